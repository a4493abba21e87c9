import type { EmailMessage, SlackMessage } from "./alerts";

export class AlertDeliveryError extends Error {}

/** The delivery log (what already went out, by id and delivery key), the Slack and email senders, and the clock. */
export interface DeliveryPorts {
  deliveries: {
    alertDelivered(caseId: string, delivery: string): Promise<boolean>;
    recordAlertDelivered(caseId: string, delivery: string, at: Date): Promise<void>;
  };
  slack: { send(name: string, message: SlackMessage): Promise<boolean> };
  email: { send(to: string, message: EmailMessage): Promise<void> } | null;
  now: () => Date;
}

/** One way to send a message: its name, its key in the delivery log, and the send (false when not configured). */
export interface Channel {
  name: string;
  delivery: string;
  send: () => Promise<boolean>;
}

/**
 * Sends on every channel not yet delivered for `id`, recording each success. Every channel is
 * tried; if any failed this throws, and the retry sends only what is still missing.
 */
export async function deliverOnce(
  id: string,
  channels: readonly Channel[],
  ports: Pick<DeliveryPorts, "deliveries" | "now">,
): Promise<string[]> {
  const sent: string[] = [];
  const failures: string[] = [];
  for (const channel of channels) {
    if (await ports.deliveries.alertDelivered(id, channel.delivery)) continue;
    try {
      if (await channel.send()) {
        await ports.deliveries.recordAlertDelivered(id, channel.delivery, ports.now());
        sent.push(channel.name);
      }
    } catch (error) {
      // One channel failing must not hold back the others; the retry resends only what failed.
      failures.push(`${channel.name}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) throw new AlertDeliveryError(`${id} not delivered on ${failures.join("; ")}`);
  return sent;
}
