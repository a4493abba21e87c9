import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { EnvName } from "../lambdas/contracts/runtime-env";
import { hashApiKey } from "../lambdas/core/auth";
import type { StageConfig } from "../lib/config";
import type { CxloopStack } from "../lib/cxloop-stack";
import { WIDGET_PATH } from "../web/widget/served-at";
import {
  corsHeaders,
  preflightHeaders,
  proxyEvent,
  RouteTable,
  readRequestBody,
  writeProxyResult,
} from "./api-gateway";
import { LOCAL_AWS_ENV, LOCAL_REGION, localArn } from "./aws-local";
import { CHART_FILES, EXPORT_FILES, LOCAL_BUCKETS, LocalBucket } from "./bucket-files";
import { ConsoleSite } from "./console-site";
import { type JournaledMessage, startDurableSqs } from "./durable-sqs";
import { startDynaliteThread, untilTableActive } from "./dynamodb";
import { EventRouter, type PendingDelivery } from "./event-router";
import { startLocalEventBridge } from "./eventbridge";
import { bundleHandlers } from "./handler-bundles";
import { Journal } from "./journal";
import { DEFAULT_MAX_SANDBOXES, type InvocationLog, LambdaHost } from "./lambda-host";
import { Outbox, slackItem } from "./outbox";
import { LocalPeople, localSignInSchema } from "./people";
import { ScheduleTimer } from "./schedules";
import { landingPath, signInPage } from "./sign-in-page";
import { startSmtpCapture } from "./smtp";
import { SqsPoller } from "./sqs-poller";
import {
  type CfnTemplate,
  type Intrinsic,
  readTopology,
  referencedId,
  synthesizeTemplate,
  type Topology,
} from "./template";
import { UsageMeter } from "./usage";

export interface LocalRuntimeOptions {
  port: number;
  host?: string;
  dataDir: string;
  /** Admin key accepted by the local API in addition to the stage's own keys. */
  apiKey: string;
  stage?: string;
  cdkJsonPath: string;
  /** Adds resources to the stack before synthesis (tests add rule targets this way). */
  extendStack?: (stack: CxloopStack) => void;
  /** Changes the stage config before synthesis (tests lower maxReceiveCount this way). */
  adjustConfig?: (config: StageConfig) => StageConfig;
  /**
   * Caps every queue's visibility timeout. The deployed value (six times the
   * consumer's timeout) makes a local retry take minutes; tests use a second.
   */
  maxVisibilityTimeoutSeconds?: number;
  /**
   * Start every function's sandbox at start (the default), so the first request finds it warm; `false` starts
   * each on first use, as Lambda does (the end-to-end suites: no work for functions a suite never calls).
   */
  warmFunctions?: boolean;
  /**
   * The most sandboxes a function runs at once (DEFAULT_MAX_SANDBOXES, sized by this machine's cores, when
   * absent); a function whose template reserves fewer (ReservedConcurrentExecutions) gets that many. Each
   * event-source mapping keeps at most that many batches in flight, fewer if its MaximumConcurrency says so.
   */
  maxSandboxesPerFunction?: number;
  /** Fire scheduled rules on their schedule (on by default); they can always be run through /_local. */
  runSchedules?: boolean;
  /**
   * Functions log as on AWS: the level their template sets, JSON lines, and Powertools Metrics' EMF lines on
   * stdout, so `/_local/usage`'s logs.bytes is what CloudWatch Logs would ingest. Off by default: locally they
   * log warnings only, pretty-printed, without metrics (CXLOOP_LOG_LEVEL sets the level).
   */
  loggingAsDeployed?: boolean;
  /** Pass the functions' own output on to this process's stdout and stderr (on by default; the cost bench meters it only). */
  showFunctionOutput?: boolean;
  log?: (line: string) => void;
}

export interface LocalRuntime {
  url: string;
  endpoints: { dynamodb: string; sqs: string; events: string; smtp: string; slackWebhook: string };
  topology: Topology;
  stop(): Promise<void>;
}

/** Client settings for a stand-in that checks no signature: requests go out unsigned (Smithy's `noAuth` scheme). */
const UNSIGNED = {
  httpAuthSchemes: [
    {
      schemeId: "smithy.api#noAuth",
      identityProvider: () => async () => ({}),
      signer: { sign: async <Request>(request: Request) => request },
    },
  ],
  httpAuthSchemeProvider: () => [{ schemeId: "smithy.api#noAuth" }],
};

/** Where earlier versions saved queued messages at shutdown; read once on start and removed. */
const LEGACY_QUEUE_SNAPSHOT = "queues.json";
const QUEUE_JOURNAL = join("journal", "sqs.jsonl");
const EVENT_JOURNAL = join("journal", "events.jsonl");
/**
 * Ctrl-C waits for the work, however much there is, but gives up once nothing has finished for this long,
 * the queue consumers' timeout (so a hung handler, not a slow one): what is left stays journaled.
 */
const DRAIN_STALL_MS = 30_000;
const DRAIN_CHECK_MS = 20;

/** Reads the stage config the local runtime uses: the stage's own, plus the local admin key. */
const withLocalKey =
  (apiKey: string) =>
  (config: StageConfig): StageConfig => ({
    ...config,
    apiKeys: [...config.apiKeys, { name: "local", sha256: hashApiKey(apiKey), scopes: ["admin"] }],
  });

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? ((line: string) => console.log(line));
  const host = options.host ?? "127.0.0.1";
  mkdirSync(options.dataDir, { recursive: true });
  Object.assign(process.env, LOCAL_AWS_ENV);

  const template: CfnTemplate = synthesizeTemplate({
    stage: options.stage ?? "dev",
    cdkJsonPath: options.cdkJsonPath,
    adjust: (config) => withLocalKey(options.apiKey)(options.adjustConfig ? options.adjustConfig(config) : config),
    extend: options.extendStack,
  });
  const topology = readTopology(template);
  // What the stand-ins serve, as AWS would bill it (GET /_local/usage).
  const usage = new UsageMeter(options.loggingAsDeployed === true);

  // Stand-ins that speak the AWS APIs; queues and accepted events are journaled, so a crash loses neither.
  const dynamo = await startDynaliteThread({ path: join(options.dataDir, "dynamodb"), usage });
  const queueJournal = await openJournal<JournaledMessage>(join(options.dataDir, QUEUE_JOURNAL), log);
  const eventJournal = await openJournal<PendingDelivery>(join(options.dataDir, EVENT_JOURNAL), log);
  const localSqs = await startDurableSqs({ host, journal: queueJournal, usage });
  const sqsUrl = localSqs.url;
  const bus = await startLocalEventBridge({ usage });
  const outbox = new Outbox(join(options.dataDir, "outbox.jsonl"));
  const buckets = [
    new LocalBucket(CHART_FILES, join(options.dataDir, "outbox-files")),
    new LocalBucket(EXPORT_FILES, join(options.dataDir, "exports")),
  ];
  const smtp = await startSmtpCapture(outbox, host, log);

  // The HTTP server listens first so its URL (the Slack webhook stand-in) can go into function environments.
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolveReady) => {
    markReady = resolveReady;
  });
  let draining = false;
  let requestsInFlight = 0;
  // Requests answered and invocations ended: a drain that sees this move is making progress.
  let finished = 0;
  const server = createServer((request, response) => {
    const started = Date.now();
    requestsInFlight += 1;
    response.on("close", () => {
      requestsInFlight -= 1;
      finished += 1;
    });
    response.on("finish", () =>
      log(`${request.method} ${request.url} ${response.statusCode} ${Date.now() - started}ms`),
    );
    ready
      .then(() => handle(request, response))
      .catch((error: Error) => {
        log(`internal error: ${error.message}`);
        if (!response.headersSent) sendJson(response, 500, { message: "Internal Server Error" });
      });
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`;
  const endpoints = {
    dynamodb: dynamo.url,
    sqs: sqsUrl,
    events: bus.url,
    smtp: smtp.url,
    slackWebhook: `${url}/_local/slack/alerts`,
  };
  const people = await LocalPeople.open(options.dataDir, url);
  const site = await ConsoleSite.build(options.dataDir);
  /** Set here, not resolved from the template: on AWS they name the user pool and the CloudFront distribution. */
  const identity = identitySecret(options.dataDir);
  const localSettings: Record<string, string> = {
    [EnvName.peopleAuth]: JSON.stringify(people.auth),
    [EnvName.consoleUrl]: url,
    // Receivers on this machine are what local webhooks are for; on AWS the variable is never set.
    [EnvName.webhookAllowLoopback]: "true",
  };
  const clientConfig = { region: LOCAL_REGION, credentials: { accessKeyId: "local", secretAccessKey: "local" } };
  const dynamoClient = new DynamoDBClient({ ...clientConfig, endpoint: dynamo.url });
  // The pollers' and the router's client, on the main thread with every stand-in: hashing each body again to check
  // the MD5 local-aws-sqs computed a moment ago guards nothing but a loopback socket, and local-aws-sqs reads no
  // signature, so signing each request (SigV4: canonical request, HMACs) was work for nobody.
  const sqs = new SQSClient({ ...clientConfig, endpoint: sqsUrl, md5: false, ...UNSIGNED });

  for (const table of topology.tables) await createTable(dynamoClient, table.logicalId, table.properties);
  const queueUrls = new Map<string, string>();
  // Dead-letter queues first: a redrive policy must name an existing queue.
  const ordered = [...topology.queues].sort((a, b) => Number(Boolean(a.deadLetter)) - Number(Boolean(b.deadLetter)));
  const visibilityOf = (logicalId: string) =>
    Math.min(
      topology.queues.find((queue) => queue.logicalId === logicalId)?.visibilityTimeoutSeconds ?? 30,
      options.maxVisibilityTimeoutSeconds ?? Number.POSITIVE_INFINITY,
    );
  for (const queue of ordered) {
    const attributes: Record<string, string> = { VisibilityTimeout: String(visibilityOf(queue.logicalId)) };
    if (queue.deadLetter)
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: localArn("sqs", queue.deadLetter.queueLogicalId),
        maxReceiveCount: queue.deadLetter.maxReceiveCount,
      });
    const created = await sqs.send(new CreateQueueCommand({ QueueName: queue.logicalId, Attributes: attributes }));
    queueUrls.set(queue.logicalId, created.QueueUrl as string);
  }
  const { restored, dropped } = localSqs.attach([...queueUrls.keys()]);
  if (restored > 0)
    log(`restored ${restored} queued message(s) from the journal; those being processed are redelivered`);
  if (dropped > 0) log(`dropped ${dropped} journaled message(s) of queues no longer in the stack or past retention`);
  await importLegacySnapshot(sqs, queueUrls, join(options.dataDir, LEGACY_QUEUE_SNAPSHOT), log);

  // Functions, each a pool of sandboxes with its template environment resolved to the stand-ins.
  const resolve = resolver(template, queueUrls);
  const sdkEndpoints = {
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
    AWS_ENDPOINT_URL_SQS: sqsUrl,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
  };
  const platformLogs = new Map(topology.functions.map((fn) => [fn.handler as string, fn.platformLogs]));
  const logInvocation = ({ functionName, durationMs, memoryMb, outcome }: InvocationLog) => {
    finished += 1;
    usage.lambdaInvocation(functionName, durationMs, memoryMb, platformLogs.get(functionName));
    log(`  λ ${functionName} ${outcome} ${durationMs}ms`);
  };
  const bundles = await bundleHandlers(log);
  const functions = new Map<string, LambdaHost>();
  for (const fn of topology.functions) {
    const env: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(fn.environment)
          .filter(([name]) => !(name in localSettings))
          .map(([name, value]) => [name, resolve(value)]),
      ),
      ...localSettings,
    };
    if (EnvName.identitySecretArn in env) {
      // No Secrets Manager locally: the identity secret is the runtime's own (see identitySecret).
      delete env[EnvName.identitySecretArn];
      env[EnvName.identitySecret] = identity.secret;
    }
    if (EnvName.slackWebhooksSecretArn in env) {
      // No Secrets Manager locally: Slack goes to the outbox (or a real webhook when CXLOOP_SLACK_WEBHOOK_URL is set),
      // email to the SMTP capture (or a real server when CXLOOP_SMTP_URL is set).
      delete env[EnvName.slackWebhooksSecretArn];
      env[EnvName.slackWebhooks] = JSON.stringify({
        "*": process.env.CXLOOP_SLACK_WEBHOOK_URL ?? `${url}/_local/slack/{name}`,
      });
      // smtp-server holds every new connection 100 ms (its early-talker check): pooled, alerts do not crawl.
      env[EnvName.smtpUrl] = process.env.CXLOOP_SMTP_URL ?? `${smtp.url}/?pool=true`;
    }
    if (EnvName.inboundHookSecretsArn in env) {
      // No Secrets Manager locally: the peers' secrets come from the environment, and a hook without its secret refuses.
      delete env[EnvName.inboundHookSecretsArn];
      env[EnvName.inboundHookSecrets] = JSON.stringify({
        ...(process.env.CXLOOP_DELIGHTED_API_KEY ? { delightedApiKey: process.env.CXLOOP_DELIGHTED_API_KEY } : {}),
        ...(process.env.CXLOOP_FORMBRICKS_WEBHOOK_SECRET
          ? { formbricksWebhookSecret: process.env.CXLOOP_FORMBRICKS_WEBHOOK_SECRET }
          : {}),
      });
    }
    if (EnvName.chartBucket in env) {
      // No S3 locally: the chart is filed beside the outbox and served from there.
      delete env[EnvName.chartBucket];
      env[EnvName.chartUploadUrl] = `${url}${CHART_FILES.path}`;
    }
    if (EnvName.exportBucket in env) {
      // No S3 locally: export parts and files go to the data dir and are served from there.
      delete env[EnvName.exportBucket];
      env[EnvName.exportUploadUrl] = `${url}${EXPORT_FILES.path}`;
    }
    const logging: Record<string, string> = options.loggingAsDeployed
      ? // Set, not left out: the sandbox starts from the runtime's own environment, which may say otherwise.
        {
          POWERTOOLS_LOG_LEVEL: env.POWERTOOLS_LOG_LEVEL ?? "INFO",
          POWERTOOLS_METRICS_DISABLED: "false",
          POWERTOOLS_DEV: "false",
        }
      : {
          POWERTOOLS_LOG_LEVEL: process.env.CXLOOP_LOG_LEVEL ?? "WARN",
          // No DEBUG sample of invocations in the terminal: CXLOOP_LOG_LEVEL=DEBUG shows them all.
          POWERTOOLS_LOGGER_SAMPLE_RATE: "0",
          POWERTOOLS_METRICS_DISABLED: "true",
          POWERTOOLS_DEV: "true",
        };
    functions.set(
      fn.logicalId,
      new LambdaHost(
        fn.handler,
        { worker: bundles.worker, handler: bundles.handler(fn.handler) },
        {
          env: {
            ...env,
            ...LOCAL_AWS_ENV,
            ...sdkEndpoints,
            AWS_LAMBDA_FUNCTION_NAME: fn.handler,
            ...logging,
            // The main process already printed the SDK's Node.js support notice; once is enough.
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          },
          timeoutMs: fn.timeoutSeconds * 1000,
          memoryMb: fn.memoryMb,
          maxSandboxes: Math.min(
            fn.reservedConcurrency ?? Number.POSITIVE_INFINITY,
            options.maxSandboxesPerFunction ?? DEFAULT_MAX_SANDBOXES,
          ),
        },
        logInvocation,
        (chunk, stream) => {
          usage.lambdaOutput(fn.handler, chunk.length);
          if (options.showFunctionOutput !== false) process[stream].write(chunk);
        },
      ),
    );
  }
  // Sandboxes start in the background, as Lambda's cold starts would; a failing one is reported at once.
  if (options.warmFunctions !== false)
    for (const fn of functions.values())
      fn.warm().catch((error: Error) => log(`function ${fn.functionName} failed to start: ${error.message}`));

  // Wiring: event-source mappings, rules and schedules.
  const pollers = topology.queueMappings.flatMap((mapping) => {
    const target = functions.get(mapping.functionLogicalId);
    const url = queueUrls.get(mapping.queueLogicalId);
    if (!target || !url) return [];
    const visibilityTimeoutSeconds = visibilityOf(mapping.queueLogicalId);
    const queue = { url, arn: localArn("sqs", mapping.queueLogicalId), visibilityTimeoutSeconds };
    return [new SqsPoller(sqs, mapping, queue, target, log)];
  });
  const router = new EventRouter(
    topology.rules,
    { functions, queueUrls, sqs, journal: eventJournal, log, usage },
    topology.archives,
  );
  bus.onEvent((event) => {
    log(`  ⇢ event ${event["detail-type"]} on ${event["event-bus-name"]}`);
    return router.route(event);
  });
  const resumed = router.resume();
  if (resumed > 0) log(`resumed ${resumed} event deliver(ies) accepted before the last stop`);
  const scheduled = topology.rules.filter((rule) => rule.scheduleExpression && rule.enabled);
  const timers =
    options.runSchedules === false
      ? []
      : scheduled.map(
          (rule) =>
            new ScheduleTimer(
              rule.scheduleExpression as string,
              () => router.fireSchedule(rule),
              rule.scheduleTimeZone,
            ),
        );
  for (const poller of pollers) poller.start();
  for (const timer of timers) timer.start();

  const routes = new RouteTable(topology.routes);

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? "/", `http://${request.headers.host ?? host}`);
    const method = request.method ?? "GET";
    const origin = request.headers.origin;

    // While Ctrl-C drains, the stand-ins the functions talk to stay up; nothing new is taken on.
    if (draining && !isStandIn(method, url.pathname)) {
      response.writeHead(503, { "content-type": "application/json", "retry-after": "1", connection: "close" });
      return response.end(JSON.stringify({ message: "Service Unavailable" }));
    }

    if (url.pathname.startsWith("/_local/")) return handleLocal(request, response, url, method);
    // The one file under /v1/ that is not the API's: on AWS, CloudFront sends it to the site's bucket.
    if (method === "GET" && url.pathname === WIDGET_PATH && (await site.serve(url.pathname, response))) return;

    if (method === "OPTIONS" && topology.cors && origin && request.headers["access-control-request-method"]) {
      usage.apiRequest();
      const headers = preflightHeaders(topology.cors, origin);
      response.writeHead(204, headers ?? {});
      return response.end();
    }
    const match = routes.match(method, url.pathname);
    if (!match && method === "GET" && !url.pathname.startsWith("/v1/") && (await site.serve(url.pathname, response)))
      return;
    // Past the console's files everything is the API's: a route, or API Gateway's own 404.
    usage.apiRequest();
    if (!match || match === "method-not-allowed") return sendJson(response, 404, { message: "Not Found" });
    const fn = functions.get(match.route.functionLogicalId);
    if (!fn) return sendJson(response, 500, { message: "Internal Server Error" });
    const body = await readRequestBody(request);
    try {
      const result = await fn.invoke(proxyEvent(request, url, body, match));
      writeProxyResult(response, result, corsHeaders(topology.cors, origin));
    } catch (error) {
      log(`  ${(error as Error).message}`);
      sendJson(response, 500, { message: "Internal Server Error" });
    }
  }

  async function handleLocal(request: IncomingMessage, response: ServerResponse, url: URL, method: string) {
    const path = url.pathname;
    if (method === "GET" && path === "/_local/health") return sendJson(response, 200, { status: "ok", endpoints });
    if (method === "GET" && path === "/_local/outbox") return sendJson(response, 200, { items: outbox.list() });
    if (method === "GET" && path === "/_local/usage") {
      await dynamo.meterSettled();
      return sendJson(response, 200, usage.report());
    }
    if (method === "POST" && path === "/_local/usage/reset") {
      await dynamo.meterSettled();
      return sendJson(response, 200, usage.reset());
    }
    if (method === "GET" && path === "/_local/jwks.json") return sendJson(response, 200, people.jwks);
    if (method === "POST" && path === "/_local/token") return issueToken(request, response);
    if (method === "GET" && path === "/_local/sign-in") return signIn(url, response);
    const bucket = buckets.find((candidate) => candidate.owns(path));
    if (bucket) return bucket.handle(request, response, path);
    const slack = /^\/_local\/slack\/([^/]+)$/.exec(path);
    if (method === "POST" && slack) {
      const body = await readRequestBody(request);
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString("utf8"));
      } catch {
        response.writeHead(400, { "content-type": "text/plain" });
        return response.end("invalid_payload");
      }
      outbox.add(slackItem(decodeURIComponent(slack[1] as string), payload));
      response.writeHead(200, { "content-type": "text/plain" });
      return response.end("ok");
    }
    if (method === "GET" && path === "/_local/schedules")
      return sendJson(response, 200, {
        items: scheduled.map((rule) => ({
          name: rule.logicalId,
          expression: rule.scheduleExpression,
          timeZone: rule.scheduleTimeZone ?? "UTC",
          targets: rule.targets.map((target) => target.id),
        })),
      });
    const invoke = /^\/_local\/schedules\/([^/]+)\/invoke$/.exec(path);
    if (method === "POST" && invoke) {
      const rule = scheduled.find((candidate) => candidate.logicalId === decodeURIComponent(invoke[1] as string));
      if (!rule) return sendJson(response, 404, { error: { code: "not_found", message: `no schedule ${invoke[1]}` } });
      const started = Date.now();
      await router.fireSchedule(rule);
      return sendJson(response, 200, { name: rule.logicalId, status: "done", durationMs: Date.now() - started });
    }
    return sendJson(response, 404, { error: { code: "not_found", message: `no local route ${method} ${path}` } });
  }

  /** `POST /_local/token {"user", "role"}` → `{"token", "expiresAt"}`, for scripts and tests. */
  async function issueToken(request: IncomingMessage, response: ServerResponse) {
    let body: unknown;
    try {
      body = JSON.parse((await readRequestBody(request)).toString("utf8"));
    } catch {
      return sendJson(response, 400, {
        error: {
          code: "invalid_json",
          message: "body is not valid JSON",
          details: [{ path: "body", message: 'send {"user", "role"}' }],
        },
      });
    }
    const parsed = localSignInSchema.safeParse(body);
    if (!parsed.success)
      return sendJson(response, 422, {
        error: {
          code: "validation_failed",
          message: 'send {"user", "role"}',
          details: parsed.error.issues.map((issue) => ({
            path: issue.path.join(".") || "body",
            message: issue.message,
          })),
        },
      });
    return sendJson(response, 200, await people.issue(parsed.data));
  }

  /** `GET /_local/sign-in`: the form; with `user` and `role` it signs in at once and lands on the console. */
  async function signIn(url: URL, response: ServerResponse) {
    const next = landingPath(url.searchParams.get("next"));
    const user = url.searchParams.get("user");
    const page = (status: number, problem?: string) => {
      response.writeHead(status, {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        "cache-control": "no-store",
      });
      response.end(signInPage({ next, problem, user: user ?? undefined }));
    };
    if (user === null) return page(200);
    const parsed = localSignInSchema.safeParse({ user, role: url.searchParams.get("role") });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return page(400, `${issue?.path.join(".")}: ${issue?.message}`);
    }
    const { token } = await people.issue(parsed.data);
    response.writeHead(302, { location: `${next}#token=${token}`, "cache-control": "no-store" });
    response.end();
  }

  markReady();

  const waitingForRetry = (queueLogicalId: string) =>
    pollers
      .filter((poller) => poller.queueLogicalId === queueLogicalId)
      .reduce((waiting, poller) => waiting + poller.waitingForRetry(), 0);
  /**
   * Nothing left to do now: no request, invocation or rule delivery running, and nothing in a mapped
   * queue but messages waiting out a visibility timeout after a failure (they are retried after the next start).
   */
  const settled = () =>
    requestsInFlight === 0 &&
    router.idle &&
    [...functions.values()].every((fn) => !fn.busy) &&
    pollers.every(
      (poller) => !poller.busy && localSqs.queued(poller.queueLogicalId) <= waitingForRetry(poller.queueLogicalId),
    );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const started = Date.now();
      draining = true;
      for (const timer of timers) timer.stop();
      for (const poller of pollers) poller.drain();
      const queued = topology.queueMappings.reduce((sum, mapping) => sum + localSqs.queued(mapping.queueLogicalId), 0);
      log(
        `draining ${queued} queued message(s), ${eventJournal.size} event deliver(ies), ${requestsInFlight} request(s)`,
      );
      let progress = { finished, at: Date.now() };
      while (!settled()) {
        if (finished !== progress.finished) progress = { finished, at: Date.now() };
        else if (Date.now() - progress.at > DRAIN_STALL_MS) {
          log(`nothing finished for ${DRAIN_STALL_MS / 1000} s; stopping what is still running`);
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, DRAIN_CHECK_MS));
      }
      // Only if the drain stalled is anything still running here; it is stopped, and stays journaled.
      for (const poller of pollers) poller.halt();
      router.stop();
      await Promise.all([...functions.values()].map((fn) => fn.stop()));
      await Promise.all(pollers.map((poller) => poller.stop()));
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
      await bus.close();
      await smtp.close();
      await localSqs.close();
      sqs.destroy();
      dynamoClient.destroy();
      await dynamo.close();
      await Promise.all([queueJournal.close(), eventJournal.close()]);
      const left = queueJournal.size + eventJournal.size;
      log(
        `drained in ${((Date.now() - started) / 1000).toFixed(1)} s; ${
          left === 0 ? "nothing left over" : `${left} message(s) and deliveries kept in the journal for the next start`
        }`,
      );
    })();
    return stopping;
  };

  return { url, endpoints, topology, stop };
}

/**
 * The key sites sign customer ids with, locally: `CXLOOP_IDENTITY_SECRET`, else made once and kept in
 * `.cxloop/identity-secret` (on AWS it is the stack's IdentitySecret in Secrets Manager).
 */
function identitySecret(dataDir: string): { secret: string; source: string } {
  if (process.env.CXLOOP_IDENTITY_SECRET)
    return { secret: process.env.CXLOOP_IDENTITY_SECRET, source: "CXLOOP_IDENTITY_SECRET" };
  const file = join(dataDir, "identity-secret");
  if (!existsSync(file)) writeFileSync(file, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600 });
  return { secret: readFileSync(file, "utf8").trim(), source: file };
}

function sendJson(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

/** Resolves the intrinsics this stack uses in function environments to the local resources. */
function resolver(template: CfnTemplate, queueUrls: Map<string, string>) {
  const serviceOf: Record<string, string> = {
    "AWS::SQS::Queue": "sqs",
    "AWS::DynamoDB::Table": "dynamodb",
    "AWS::Events::EventBus": "events",
    "AWS::Lambda::Function": "lambda",
    "AWS::SNS::Topic": "sns",
  };
  const resolve = (value: Intrinsic): string => {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
    const join = (value as { "Fn::Join"?: [string, Intrinsic[]] })["Fn::Join"];
    if (join) return join[1].map(resolve).join(join[0]);
    const id = referencedId(value);
    const resource = id ? template.Resources[id] : undefined;
    if (!id || !resource) throw new Error(`local runtime cannot resolve ${JSON.stringify(value)}`);
    const isArn = "Fn::GetAtt" in (value as object);
    if (isArn)
      return localArn(
        serviceOf[resource.Type] ?? "unknown",
        resource.Type === "AWS::DynamoDB::Table" ? `table/${id}` : id,
      );
    if (resource.Type === "AWS::SQS::Queue") return queueUrls.get(id) as string;
    if (resource.Type === "AWS::Events::EventBus") return String(resource.Properties?.Name ?? id);
    return id;
  };
  return resolve;
}

async function createTable(client: DynamoDBClient, name: string, properties: Record<string, unknown>) {
  const p = properties as {
    KeySchema: { AttributeName: string; KeyType: "HASH" | "RANGE" }[];
    AttributeDefinitions: { AttributeName: string; AttributeType: "S" | "N" | "B" }[];
    GlobalSecondaryIndexes?: {
      IndexName: string;
      KeySchema: { AttributeName: string; KeyType: "HASH" | "RANGE" }[];
      Projection: { ProjectionType: "ALL" | "KEYS_ONLY" | "INCLUDE"; NonKeyAttributes?: string[] };
    }[];
  };
  try {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        KeySchema: p.KeySchema,
        AttributeDefinitions: p.AttributeDefinitions,
        ...(p.GlobalSecondaryIndexes?.length
          ? {
              GlobalSecondaryIndexes: p.GlobalSecondaryIndexes.map((index) => ({
                IndexName: index.IndexName,
                KeySchema: index.KeySchema,
                Projection: index.Projection,
              })),
            }
          : {}),
      }),
    );
  } catch (error) {
    // Data under the data directory survives restarts: the table is already there.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await untilTableActive(client, name);
}

/** What stays up while Ctrl-C drains: the Slack stand-in the functions post to, and what shows the outcome. */
function isStandIn(method: string, path: string) {
  if (method === "POST") return /^\/_local\/slack\/[^/]+$/.test(path);
  // The buckets too: an export step or a digest still running puts its file, and what was put can be fetched.
  if (LOCAL_BUCKETS.some((bucket) => path.startsWith(`${bucket.path}/`))) return method === "PUT" || method === "GET";
  return method === "GET" && (path === "/_local/health" || path === "/_local/outbox");
}

async function openJournal<T>(file: string, log: (line: string) => void): Promise<Journal<T>> {
  const { journal, unreadable } = await Journal.open<T>(file);
  if (unreadable > 0) log(`${file}: skipped ${unreadable} line(s) a crash left half-written`);
  return journal;
}

/** Sends what an earlier version saved to `queues.json` at shutdown (now journaled like any message). */
async function importLegacySnapshot(
  sqs: SQSClient,
  urls: Map<string, string>,
  file: string,
  log: (line: string) => void,
) {
  if (!existsSync(file)) return;
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as Record<string, string[]>;
  let total = 0;
  for (const [logicalId, bodies] of Object.entries(snapshot)) {
    const url = urls.get(logicalId);
    if (!url) continue;
    for (let start = 0; start < bodies.length; start += 10) {
      const chunk = bodies.slice(start, start + 10);
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: chunk.map((body, index) => ({ Id: String(index), MessageBody: body })),
        }),
      );
      total += chunk.length;
    }
  }
  rmSync(file, { force: true });
  log(`restored ${total} queued message(s) saved at the last shutdown`);
}
