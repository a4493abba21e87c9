import type { LookupAddress } from "node:dns";
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { PostOutcome, WebhookPoster } from "../core/webhooks";
import { refusedAddress } from "../core/webhooks";

class RefusedTargetError extends Error {}

/**
 * POSTs deliveries, connecting only to addresses the guard allows. The host is resolved here, every address
 * it resolves to is checked (one bad answer refuses the target, so a name cannot mix a public address with a
 * private one), and the socket connects to the checked address: the connection never resolves the name a
 * second time, so DNS rebinding between check and connect has nothing to act on. Redirects are not followed.
 */
export class GuardedWebhookPoster implements WebhookPoster {
  constructor(private readonly options: { allowLoopback: boolean; timeoutMs: number }) {}

  async post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
    const started = performance.now();
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, "");
    // net.connect skips `lookup` for an IP literal, so a literal is checked before the request.
    const literalRefusal = isIP(host) !== 0 ? refusedAddress(host, this.options) : null;
    if (literalRefusal) return { error: `refused: ${literalRefusal}`, latencyMs: performance.now() - started };
    const lookup: LookupFunction = (hostname, options, callback) => {
      dnsLookup(hostname, { all: true, verbatim: true })
        .then((addresses) => {
          const refusal = addresses.map(({ address }) => refusedAddress(address, this.options)).find(Boolean);
          if (refusal) throw new RefusedTargetError(`refused: ${hostname} resolves to ${refusal}`);
          const [first] = addresses;
          if (!first) throw new RefusedTargetError(`refused: ${hostname} has no address`);
          // Node 20+ connects with happy eyeballs, which asks for every address (`all`) and wants them as a list.
          if (options.all) (callback as (error: null, all: LookupAddress[]) => void)(null, addresses);
          else callback(null, first.address, first.family);
        })
        .catch((error: Error) => callback(error as NodeJS.ErrnoException, "", 0));
    };
    const send = target.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<PostOutcome>((resolve) => {
      const finish = (outcome: { status: number } | { error: string }) =>
        resolve({ ...outcome, latencyMs: performance.now() - started });
      const request = send(
        target,
        {
          method: "POST",
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          lookup,
          timeout: this.options.timeoutMs,
          // A fresh connection per delivery: a pooled socket would skip the lookup, and with it the check.
          agent: false,
        },
        (response) => {
          // The answer's body is not kept (it is the receiver's, and may be large); it is read off and dropped.
          response.resume();
          response.on("end", () => finish({ status: response.statusCode ?? 0 }));
          response.on("error", (error) => finish({ error: error.message }));
        },
      );
      request.on("timeout", () => request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)));
      request.on("error", (error) => finish({ error: error.message }));
      request.end(body);
    });
  }
}
