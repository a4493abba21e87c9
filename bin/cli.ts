#!/usr/bin/env node
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openApiDocument } from "../lambdas/contracts/openapi";
import { importCustomers } from "./commands/customers-import";
import { createKey, keyTable, listKeys, revokeKey, scopeList } from "./commands/keys";
import { recomputeMetrics } from "./commands/metrics-recompute";
import { IMPORT_SOURCES, type ImportSource, responsesImportCommand } from "./commands/responses-import";
import { createSurveyLinks } from "./commands/survey-links";

/**
 * `npm run cxloop -- <command>`: operator commands that work the same against
 * the local runtime (`--local`, the default) and a deployed API (`--endpoint --key`).
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const USAGE = `usage: npm run cxloop -- <command> [--endpoint URL --key KEY | --local]

  rules test <rule> [--from DATE] [--to DATE]
      replays the stored responses of the window (default: the last 30 days) through a
      follow-up rule of the API's stage and reports how many cases it would have opened
      (rules earlier in the list take a response first)
  customers import <file.csv|file.jsonl> [--restart]
      streams customer profiles into the API, 100 per call; rejected rows (a CSV row with more
      or fewer fields than its header among them) go to <file>.errors.jsonl with their line
      numbers, likely duplicates (same email in any case, or same name and phone, in the file
      or already stored) to <file>.duplicates.jsonl; an interrupted import resumes
  responses import --from delighted|formbricks|cxloop FILE [--dry-run] [--map "COLUMN=TYPE"]...
                   [--mapping surveys.json] [--restart] [--recompute]
      imports another tool's responses (Delighted API JSON or CSV, Formbricks CSV or API JSON,
      cxloop JSONL; any of them may be .gz) with ids delighted-<id> / formbricks-<id>, so a rerun
      stores nothing twice;
      --dry-run prints the mapping and counts and sends nothing; TYPE is nps, csat, ces,
      comment, attribute or ignore (ces:1-5 names a scale); rejected rows go to
      <file>.errors.jsonl with their line numbers; an interrupted import resumes;
      --recompute rolls the imported days up at once
  keys create --name NAME --scopes submit[,read,agent,admin] [--origin https://shop.example ...]
      makes an API key and prints it once (only its hash is kept); a submit-only key works
      from its origins (or the stage's allowedOrigins) and is rate limited
  keys list
      names, scopes, origins and last use of every key (never the keys)
  keys revoke ID
      the key is refused everywhere within 30 seconds
  survey-links create --survey NAME --type nps|csat|ces --csv customers.csv [--out links.csv]
                      [--expires-in-days 30] [--locale de] [--touchpoint NAME]
      one personal link per customer (columns id, email, name, locale; others pass through),
      written to --out (default: <csv>.links.csv) with url and expiresAt for a mail merge:
      put {{url}}?score=N behind each score of the email; throttled and refused rows are
      counted and listed in <out>.errors.jsonl with their line numbers
  metrics recompute --from DATE --to DATE
      rolls those days up again from the stored responses (after a metric definition
      changed); aggregates are replaced, so a rerun gives the same numbers

  openapi [--out FILE]
      prints the OpenAPI document of the API (the one GET /v1/openapi.json serves), or
      writes it to FILE

  --local (the default) talks to npm start on PORT (3000) with the key in .cxloop/api-key`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

/** The API to talk to: `--endpoint --key`, else the local runtime and its saved key. */
function target(options: { endpoint?: string; key?: string }): { endpoint: string; key: string } {
  let endpoint = options.endpoint;
  let key = options.key;
  if (!endpoint) {
    endpoint = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
    const keyFile = resolve(process.env.CXLOOP_DATA_DIR ?? resolve(root, ".cxloop"), "api-key");
    key ??=
      process.env.CXLOOP_LOCAL_API_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : undefined);
  }
  if (!key) fail("no API key: pass --key, or start the local runtime (npm start) first");
  return { endpoint, key };
}

/** Asks the API that runs the rules (its stage's config, its stored responses) what one would have done. */
async function rulesTest(ruleName: string, options: { from?: string; to?: string; endpoint?: string; key?: string }) {
  const { endpoint, key } = target(options);
  const window = { ...(options.from ? { from: options.from } : {}), ...(options.to ? { to: options.to } : {}) };
  const answer = await fetch(`${endpoint}/v1/rules/${encodeURIComponent(ruleName)}/test`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify(window),
  });
  const body = (await answer.json()) as { error?: { message: string } };
  if (!answer.ok) fail(`rules test ${ruleName}: ${body.error?.message ?? `HTTP ${answer.status}`}`);
  console.log(JSON.stringify(body, null, 2));
}

async function main() {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      from: { type: "string" },
      to: { type: "string" },
      endpoint: { type: "string" },
      key: { type: "string" },
      local: { type: "boolean" },
      restart: { type: "boolean" },
      "dry-run": { type: "boolean" },
      map: { type: "string", multiple: true },
      mapping: { type: "string" },
      recompute: { type: "boolean" },
      out: { type: "string" },
      name: { type: "string" },
      scopes: { type: "string", multiple: true },
      origin: { type: "string", multiple: true },
      survey: { type: "string" },
      type: { type: "string" },
      csv: { type: "string" },
      "expires-in-days": { type: "string" },
      locale: { type: "string" },
      touchpoint: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help || positionals.length === 0) {
    console.log(USAGE);
    return;
  }
  const [group, command, argument] = positionals;
  if (group === "openapi") {
    const document = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
    if (!values.out) return void process.stdout.write(document);
    mkdirSync(dirname(resolve(values.out)), { recursive: true });
    writeFileSync(values.out, document);
    console.error(`wrote ${values.out}`);
    return;
  }
  if (group === "rules" && command === "test") {
    if (!argument) fail("rules test needs a rule name");
    return rulesTest(argument, values);
  }
  if (group === "customers" && command === "import") {
    if (!argument) fail("customers import needs a file");
    const summary = await importCustomers({
      file: argument,
      ...target(values),
      restart: Boolean(values.restart),
      log: (line) => console.error(line),
      progress: (line) => process.stderr.write(`\r${line}`),
    });
    process.stderr.write("\n");
    console.log(JSON.stringify(summary, null, 2));
    if (summary.rejected > 0) console.error(`${summary.rejected} row(s) rejected: see ${summary.errorReport}`);
    if (summary.duplicates > 0)
      console.error(
        `${summary.duplicates} row(s) likely duplicate other profiles: see ${summary.duplicateReport} (GET /v1/customers/duplicates, then POST /v1/customers/{id}/merge)`,
      );
    return;
  }
  if (group === "responses" && command === "import") {
    const from = values.from as ImportSource;
    if (!IMPORT_SOURCES.includes(from)) fail(`responses import needs --from ${IMPORT_SOURCES.join("|")}`);
    if (!argument) fail("responses import needs a file");
    const options = { from, file: argument, map: values.map ?? [], restart: Boolean(values.restart) };
    return responsesImportCommand(
      {
        ...options,
        ...(values.mapping ? { mapping: values.mapping } : {}),
        dryRun: Boolean(values["dry-run"]),
        recompute: Boolean(values.recompute),
        log: (line) => console.error(line),
        progress: (line) => process.stderr.write(`\r${line}`),
      },
      () => target(values),
      (window) =>
        recomputeMetrics({ ...target(values), ...window, progress: (line) => process.stderr.write(`\r${line}`) }),
    );
  }
  if (group === "keys" && command === "create") {
    if (!values.name || !values.scopes) fail("keys create needs --name and --scopes");
    const created = await createKey(target(values), {
      name: values.name,
      scopes: scopeList(values.scopes),
      allowedOrigins: values.origin ?? [],
    });
    console.error(`created key ${created.id} (${created.name}: ${created.scopes.join(", ")}); it is shown this once:`);
    console.log(created.key);
    return;
  }
  if (group === "keys" && command === "list") return void console.log(keyTable(await listKeys(target(values))));
  if (group === "keys" && command === "revoke") {
    if (!argument) fail("keys revoke needs a key id (see keys list)");
    await revokeKey(target(values), argument);
    console.error(`revoked ${argument}: refused everywhere within 30 seconds`);
    return;
  }
  if (group === "survey-links" && command === "create") {
    if (!values.survey || !values.type || !values.csv) fail("survey-links create needs --survey, --type and --csv");
    const days = values["expires-in-days"];
    if (days !== undefined && !/^\d+$/.test(days)) fail("--expires-in-days must be a whole number of days");
    const summary = await createSurveyLinks({
      ...target(values),
      file: values.csv,
      out: values.out ?? values.csv.replace(/(\.csv)?$/, ".links.csv"),
      survey: values.survey,
      type: values.type,
      ...(days ? { expiresInDays: Number(days) } : {}),
      ...(values.locale ? { locale: values.locale } : {}),
      ...(values.touchpoint ? { touchpoint: values.touchpoint } : {}),
      progress: (line) => process.stderr.write(`\r${line}`),
    });
    process.stderr.write("\n");
    console.log(JSON.stringify(summary, null, 2));
    if (summary.errorReport)
      console.error(`${summary.throttled + summary.rejected} row(s) without a link: see ${summary.errorReport}`);
    return;
  }
  if (group === "metrics" && command === "recompute") {
    if (!values.from || !values.to) fail("metrics recompute needs --from and --to (YYYY-MM-DD)");
    const summary = await recomputeMetrics({
      ...target(values),
      from: values.from,
      to: values.to,
      progress: (line) => process.stderr.write(`\r${line}`),
    });
    process.stderr.write("\n");
    console.log(JSON.stringify(summary, null, 2));
    return;
  }
  fail(`unknown command: ${positionals.join(" ")}`);
}

main().catch((error: Error) => {
  console.error(`cxloop: ${error.message}`);
  process.exit(1);
});
