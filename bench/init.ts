import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { isBuiltin } from "node:module";
import { availableParallelism, loadavg } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Metafile } from "esbuild";
import { HANDLERS, type HandlerName } from "../lambdas/contracts/routes";
import { HANDLER_METADATA_KEY, handlerEntry, LAMBDA_BUNDLING } from "../lib/constructs/bundling";
import { type CfnTemplate, synthesizeTemplate } from "../local/template";

/**
 * `npm run bench -- init`: each function's cold module initialisation against an empty Node.js
 * process, with the AWS SDK external (resolved from node_modules, as the Lambda runtime resolves
 * its own copy) and bundled. Every bundle is built with the stack's esbuild settings
 * (LAMBDA_BUNDLING) and started as Lambda starts it: Node.js 22, the flags the nodejs22.x runtime
 * sets, and the function's own environment from the synthesized template (NODE_OPTIONS included).
 * The empty process runs in turns with every subject, so machine load weighs on both alike.
 */
export type SdkMode = "external" | "bundled";
export const SDK_MODES: readonly SdkMode[] = ["external", "bundled"];
/** What deploys: the mode LAMBDA_BUNDLING selects. */
export const DEPLOYED_SDK: SdkMode = (LAMBDA_BUNDLING.external as readonly string[]).includes("@aws-sdk/*")
  ? "external"
  : "bundled";
/** Rounds timed after the warm-up rounds; each round starts every subject once, each next to an empty process. */
export const INIT_ROUNDS = 15;
const WARMUP_ROUNDS = 2;
/**
 * The flags the Lambda nodejs22.x runtime starts node with: it turns these experimental features
 * off ("Building Lambda functions with Node.js", AWS Lambda Developer Guide).
 */
const LAMBDA_NODE_FLAGS = ["--no-experimental-require-module", "--no-experimental-detect-module"];

const root = fileURLToPath(new URL("..", import.meta.url));
// Inside the repo so the external @aws-sdk/* imports resolve from node_modules.
const out = join(root, "node_modules", ".cache", "cxloop-bench");
/** The pinned `node` devDependency: the Node.js major the functions deploy on. */
const node = join(root, "node_modules", ".bin", "node");

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** The package a module path or specifier belongs to (`@aws-sdk/client-sqs`, `zod`). */
function packageOf(path: string): string {
  const [first, second] = (path.split("node_modules/").pop() as string).split("/");
  return first?.startsWith("@") ? `${first}/${second}` : (first as string);
}

/** SDK client packages (`client-*`, and `lib-dynamodb`, the document client over `client-dynamodb`). */
const isSdkClient = (name: string) => /^@aws-sdk\/(client|lib)-/.test(name);

export interface Bundle {
  file: string;
  bytes: number;
  /** SDK client packages the bundle carries (bundled) or imports (external). */
  clients: string[];
  /** Every @aws-sdk package it imports from node_modules (external builds). */
  sdkImports: string[];
  /** node: built-ins it imports with ESM `import` statements (each builds a module namespace at load). */
  esmBuiltins: string[];
}

/** A handler, or a part of one given as source (resolved from the repository root). */
type Entry = { name: string; path: string } | { name: string; contents: string };

async function bundle(entry: Entry, mode: SdkMode): Promise<Bundle> {
  const outfile = join(out, `${entry.name}.${mode}.mjs`);
  const others = LAMBDA_BUNDLING.external.filter((pattern) => pattern !== "@aws-sdk/*");
  const result = await build({
    ...("path" in entry
      ? { entryPoints: [entry.path] }
      : {
          stdin: {
            contents: `${entry.contents}\nexport const handler = () => {};\n`,
            resolveDir: root,
            sourcefile: `${entry.name}.ts`,
            loader: "ts" as const,
          },
        }),
    bundle: true,
    platform: "node",
    format: "esm",
    minify: LAMBDA_BUNDLING.minify,
    // `true`: a linked map, as NodejsFunction's `--sourcemap`; NODE_OPTIONS=--enable-source-maps reads it at load.
    sourcemap: LAMBDA_BUNDLING.sourceMap,
    sourcesContent: LAMBDA_BUNDLING.sourcesContent,
    target: LAMBDA_BUNDLING.target,
    mainFields: [...LAMBDA_BUNDLING.mainFields],
    external: mode === "external" ? [...others, "@aws-sdk/*"] : others,
    banner: { js: LAMBDA_BUNDLING.banner },
    outfile,
    absWorkingDir: root,
    metafile: true,
    logLevel: "silent",
  });
  const output = result.metafile.outputs[relative(root, outfile)] as Metafile["outputs"][string];
  const externals = output.imports.filter((entry) => entry.external);
  const sdkImports = [
    ...new Set(externals.map((entry) => packageOf(entry.path)).filter((pkg) => pkg.startsWith("@aws-sdk/"))),
  ].sort();
  const carried = Object.entries(output.inputs)
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => packageOf(path));
  const clients = [...new Set(mode === "external" ? sdkImports : carried)].filter(isSdkClient).sort();
  const esmBuiltins = [
    ...new Set(
      externals.filter((entry) => entry.kind === "import-statement" && isBuiltin(entry.path)).map((e) => e.path),
    ),
  ].sort();
  return { file: outfile, bytes: statSync(outfile).size, clients, sdkImports, esmBuiltins };
}

/**
 * What most functions load besides their SDK clients and the node: built-ins, each bundled alone
 * with the same settings, to show what a cold start is made of. `sdk` parts are built both ways.
 */
const PARTS: { name: string; label: string; contents: string; sdk?: boolean }[] = [
  { name: "part-zod", label: "zod (one schema)", contents: 'import * as z from "zod";\nz.object({ id: z.string() });' },
  {
    name: "part-routes",
    label: "route registry (every route's zod schemas; API functions)",
    contents: 'export { ROUTES } from "./lambdas/contracts/routes";',
  },
  {
    name: "part-observability",
    label: "Powertools Logger + Metrics (every function)",
    contents: 'export { logger, metrics } from "./lambdas/handlers/observability";',
  },
  {
    name: "part-dynamodb",
    label: "DynamoDB document client, constructed (every function)",
    contents: 'import { dynamoDocumentClient } from "./lambdas/adapters/clients/dynamodb";\ndynamoDocumentClient();',
    sdk: true,
  },
];

/** The function also timed without NODE_OPTIONS, for what source maps cost at load. */
const SOURCE_MAP_PROBE: HandlerName = "intake";

/**
 * The stack as `cdk synth` makes it for the dev stage with every optional feature that adds a
 * client or a function on (Comprehend sentiment, comment retention), minus asset bundling.
 */
function synthesize(): CfnTemplate {
  return synthesizeTemplate({
    stage: "dev",
    cdkJsonPath: join(root, "cdk.json"),
    adjust: (config) => ({ ...config, sentimentProvider: "comprehend", commentRetentionDays: 90 }),
  });
}

type Resource = CfnTemplate["Resources"][string];
const asList = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function functionOf(template: CfnTemplate, name: HandlerName): Resource {
  const found = Object.values(template.Resources).filter(
    (resource) => resource.Type === "AWS::Lambda::Function" && resource.Metadata?.[HANDLER_METADATA_KEY] === name,
  );
  if (found.length !== 1) throw new Error(`expected one function for ${name} in the template, found ${found.length}`);
  return found[0] as Resource;
}

/** Placeholders for the values the template gives as references (table, bus, queue, secret). */
/** What a deploy-time reference stands for, in the shape its setting is checked for (a URL, an ARN, a name). */
const placeholder = (variable: string) =>
  variable.endsWith("_URL")
    ? "https://sqs.us-east-1.amazonaws.com/123456789012/cxloop-bench"
    : variable.endsWith("_ARN")
      ? "arn:aws:secretsmanager:us-east-1:123456789012:secret:cxloop-bench"
      : "cxloop-bench";

/**
 * A variable's value with the deploy-time references in it replaced by a placeholder; an `Fn::Join` (a JSON
 * setting built with `Stack.toJsonString`, such as the people-auth settings) is joined, so it stays JSON.
 */
function templateValue(variable: string, value: unknown): string {
  if (typeof value === "string") return value;
  const join = (value as { "Fn::Join"?: [string, unknown[]] } | null)?.["Fn::Join"];
  if (join) return join[1].map((part) => (typeof part === "string" ? part : placeholder(variable))).join(join[0]);
  return placeholder(variable);
}

/** The function's environment as Lambda gives it: its template variables plus the runtime's own. */
function environmentOf(template: CfnTemplate, name: HandlerName): NodeJS.ProcessEnv {
  const variables = ((functionOf(template, name).Properties?.Environment as { Variables?: Record<string, unknown> })
    ?.Variables ?? {}) as Record<string, unknown>;
  return {
    PATH: process.env.PATH,
    LANG: "en_US.UTF-8",
    TZ: ":UTC",
    AWS_REGION: "us-east-1",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs22.x",
    AWS_LAMBDA_FUNCTION_NAME: `cxloop-${name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(functionOf(template, name).Properties?.MemorySize ?? 512),
    LAMBDA_TASK_ROOT: out,
    ...Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, templateValue(key, value)])),
  };
}

/** IAM actions that calling each SDK client needs (any one of them): a client whose function may call none is dead weight. */
const CLIENT_ACTIONS: Record<string, string[]> = {
  "@aws-sdk/client-dynamodb": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
  "@aws-sdk/lib-dynamodb": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
  "@aws-sdk/client-sqs": ["sqs:SendMessage"],
  "@aws-sdk/client-eventbridge": ["events:PutEvents"],
  "@aws-sdk/client-comprehend": ["comprehend:BatchDetectSentiment", "comprehend:DetectSentiment"],
  "@aws-sdk/client-sesv2": ["ses:SendEmail"],
  "@aws-sdk/client-secrets-manager": ["secretsmanager:GetSecretValue"],
  "@aws-sdk/client-s3": ["s3:PutObject", "s3:GetObject"],
};

/** Actions the function's role allows: its attached policies and inline policies. */
function allowedActions(template: CfnTemplate, name: HandlerName): string[] {
  const role = (functionOf(template, name).Properties?.Role as { "Fn::GetAtt"?: [string, string] })?.[
    "Fn::GetAtt"
  ]?.[0];
  const documents = Object.entries(template.Resources).flatMap(([id, resource]) => {
    const properties = resource.Properties ?? {};
    if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy")
      return asList(properties.Roles as { Ref?: string }[] | undefined).some((ref) => ref?.Ref === role)
        ? [properties.PolicyDocument]
        : [];
    if (resource.Type === "AWS::IAM::Role" && id === role)
      return asList(properties.Policies as { PolicyDocument?: unknown }[] | undefined).map((p) => p.PolicyDocument);
    return [];
  });
  return documents.flatMap((document) =>
    asList((document as { Statement?: unknown } | undefined)?.Statement as Record<string, unknown>[] | undefined)
      .filter((statement) => statement.Effect === "Allow")
      .flatMap((statement) => asList(statement.Action as string | string[] | undefined)),
  );
}

const matches = (granted: string, action: string) =>
  new RegExp(`^${granted.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`, "i").test(action);

/** The clients a function carries that its role may not call on a stage with every optional feature on. */
function unusedClients(template: CfnTemplate, name: HandlerName, clients: string[]): string[] {
  const allowed = allowedActions(template, name);
  return clients.filter((client) => {
    const needed = CLIENT_ACTIONS[client];
    if (!needed) throw new Error(`bench/init.ts: no IAM actions listed for ${client} (add it to CLIENT_ACTIONS)`);
    return !needed.some((action) => allowed.some((granted) => matches(granted, action)));
  });
}

/** One thing started as a Lambda starts a handler: `node <flags> load.mjs <module>` in an environment. */
interface Subject {
  module: string;
  env: NodeJS.ProcessEnv;
  times: number[];
  /** The empty process's times, each taken next to one of `times`. */
  baseline: number[];
}

function startOnce(loader: string, module: string, env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(node, [...LAMBDA_NODE_FLAGS, loader, pathToFileURL(module).href], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) throw new Error(`${module} failed to load: ${result.stderr.toString().slice(0, 800)}`);
  return elapsed;
}

/**
 * Every subject once per round, each right before or after an empty process (which goes first
 * alternates by round), starting from a different subject each round.
 */
function timeInTurns(loader: string, empty: string, subjects: Subject[], log: (line: string) => void) {
  for (let round = 0; round < WARMUP_ROUNDS + INIT_ROUNDS; round++) {
    const started = performance.now();
    for (let i = 0; i < subjects.length; i++) {
      const subject = subjects[(round + i) % subjects.length] as Subject;
      const emptyFirst = round % 2 === 0;
      const first = startOnce(loader, emptyFirst ? empty : subject.module, subject.env);
      const second = startOnce(loader, emptyFirst ? subject.module : empty, subject.env);
      if (round < WARMUP_ROUNDS) continue;
      subject.times.push(emptyFirst ? second : first);
      subject.baseline.push(emptyFirst ? first : second);
    }
    const label =
      round < WARMUP_ROUNDS
        ? `warm-up ${round + 1}/${WARMUP_ROUNDS}`
        : `round ${round - WARMUP_ROUNDS + 1}/${INIT_ROUNDS}`;
    log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

export interface Timed {
  /** Median start-to-loaded time of the subject. */
  ms: number;
  /** Median of the empty process taken in turns with it. */
  emptyMs: number;
  /** ms / emptyMs. */
  ratio: number;
}

const timed = (subject: Subject): Timed => {
  const ms = median(subject.times);
  const emptyMs = median(subject.baseline);
  return { ms, emptyMs, ratio: ms / emptyMs };
};

export interface FunctionInit {
  name: HandlerName;
  clients: string[];
  /** Clients it carries that its role can never call (none expected). */
  unused: string[];
  modes: Record<SdkMode, Bundle & { init: Timed; builtinsAlone: Timed; sdkAlone?: Timed }>;
}

export interface InitResult {
  nodeVersion: string;
  rounds: number;
  subjects: number;
  emptyMs: number;
  /** One-minute load average when the timing started and ended: the machine is shared. */
  load: { before: number; after: number; cores: number };
  functions: FunctionInit[];
  parts: { label: string; bytes: number; init: Timed }[];
}

export async function initBench(log: (line: string) => void): Promise<InitResult> {
  const nodeVersion = spawnSync(node, ["--version"]).stdout.toString().trim();
  const major = LAMBDA_BUNDLING.target.replace("node", "");
  if (!nodeVersion.startsWith(`v${major}.`))
    throw new Error(`${node} is ${nodeVersion}; the functions run on Node.js ${major} (run npm ci)`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  log("synthesizing the stack (dev stage, every optional client on) for environments and IAM grants…");
  const template = synthesize();

  log(`bundling ${HANDLERS.length} handlers with the stack's esbuild settings, AWS SDK external and bundled…`);
  const loader = join(out, "load.mjs");
  // What the runtime does with a handler module: import it and take its `handler`.
  writeFileSync(
    loader,
    'const { handler } = await import(process.argv[2]);\nif (typeof handler !== "function") throw new Error("no handler export");\n',
  );
  const empty = join(out, "empty.mjs");
  writeFileSync(empty, "export const handler = () => {};\n");

  /** Subjects by module, so functions that import the same built-ins or SDK packages share one. */
  const subjects = new Map<string, Subject>();
  const subject = (module: string, env: NodeJS.ProcessEnv, key = module) => {
    const existing = subjects.get(key);
    if (existing) return existing;
    const created: Subject = { module, env, times: [], baseline: [] };
    subjects.set(key, created);
    return created;
  };
  /** A module importing only `specifiers`, for what they cost alone. */
  const importsOnly = (kind: string, specifiers: string[]) => {
    const file = join(out, `${kind}-${createHash("sha1").update(specifiers.join()).digest("hex").slice(0, 12)}.mjs`);
    writeFileSync(
      file,
      `${specifiers.map((s) => `import ${JSON.stringify(s)};\n`).join("")}export const handler = () => {};\n`,
    );
    return file;
  };

  const plans = [];
  for (const name of HANDLERS) {
    const env = environmentOf(template, name);
    const modes = [];
    for (const mode of SDK_MODES) {
      const built = await bundle({ name, path: handlerEntry(name) }, mode);
      modes.push({
        mode,
        built,
        init: subject(built.file, env),
        builtinsAlone: subject(importsOnly("builtins", built.esmBuiltins), env),
        sdkAlone: mode === "external" ? subject(importsOnly("sdk", built.sdkImports), env) : undefined,
      });
    }
    const [external, bundled] = modes;
    if (external?.built.clients.join() !== bundled?.built.clients.join())
      throw new Error(
        `${name}: external build imports ${external?.built.clients} but the bundled one carries ${bundled?.built.clients}`,
      );
    const clients = bundled?.built.clients ?? [];
    plans.push({ name, clients, unused: unusedClients(template, name, clients), modes });
  }

  const partEnv = environmentOf(template, "metrics-rollup");
  const parts = [];
  for (const part of PARTS)
    for (const mode of part.sdk ? SDK_MODES : [DEPLOYED_SDK]) {
      const built = await bundle(part, mode);
      parts.push({
        label: part.sdk ? `${part.label}, SDK ${mode}` : part.label,
        built,
        timing: subject(built.file, partEnv),
      });
    }

  // What reading the linked source map at load costs (the stack sets NODE_OPTIONS=--enable-source-maps).
  for (const plan of plans.filter((p) => p.name === SOURCE_MAP_PROBE))
    for (const { mode, built, init } of plan.modes) {
      const { NODE_OPTIONS, ...env } = init.env;
      parts.push({
        label: `${plan.name} without NODE_OPTIONS=${NODE_OPTIONS}, SDK ${mode}`,
        built,
        timing: subject(built.file, env, `${built.file} without NODE_OPTIONS`),
      });
    }

  const all = [...subjects.values()];
  const loadBefore = loadavg()[0] as number;
  log(
    `timing ${all.length} subjects, each next to an empty process: ${WARMUP_ROUNDS} warm-up + ${INIT_ROUNDS} rounds on ${nodeVersion}…`,
  );
  timeInTurns(loader, empty, all, log);

  const functions: FunctionInit[] = plans.map((plan) => ({
    name: plan.name,
    clients: plan.clients,
    unused: plan.unused,
    modes: Object.fromEntries(
      plan.modes.map((m) => [
        m.mode,
        {
          ...m.built,
          init: timed(m.init),
          builtinsAlone: timed(m.builtinsAlone),
          ...(m.sdkAlone ? { sdkAlone: timed(m.sdkAlone) } : {}),
        },
      ]),
    ) as FunctionInit["modes"],
  }));
  rmSync(out, { recursive: true, force: true });
  return {
    nodeVersion,
    rounds: INIT_ROUNDS,
    subjects: all.length,
    emptyMs: median(all.flatMap((s) => s.baseline)),
    load: { before: loadBefore, after: loadavg()[0] as number, cores: availableParallelism() },
    functions,
    parts: parts.map((part) => ({ label: part.label, bytes: part.built.bytes, init: timed(part.timing) })),
  };
}
