import type { channels } from "../../contracts/submission";
import {
  fitAttributes,
  instantOf,
  integerOf,
  type Mapped,
  type MappingLine,
  mapped,
  safeId,
  textOf,
  unmappable,
} from "./shape";

/**
 * Delighted's survey types as cxloop types and scales. Its thumbs (2 points) and eNPS (employees, not customers)
 * have no cxloop equivalent and are refused by name rather than guessed.
 */
const SURVEY_TYPES: Record<string, { type: "nps" | "csat" | "ces"; scale: { min: number; max: number } }> = {
  nps: { type: "nps", scale: { min: 0, max: 10 } },
  csat: { type: "csat", scale: { min: 1, max: 5 } },
  five_star: { type: "csat", scale: { min: 1, max: 5 } },
  smileys: { type: "csat", scale: { min: 1, max: 5 } },
  ces: { type: "ces", scale: { min: 1, max: 7 } },
};

/** "Delighted Source" values (Email, SMS, Web, Link, Kiosk, iOS, Android, …) as cxloop channels. */
const CHANNELS: Record<string, (typeof channels)[number]> = {
  email: "email",
  sms: "sms",
  web: "web",
  link: "web",
  website: "web",
  kiosk: "kiosk",
  ios: "app",
  android: "app",
  "mobile sdk": "app",
  app: "app",
};

const SOURCE = "Delighted Source";
const DEVICE = "Delighted Device Type";
/** Where Delighted users kept their own customer id, if they did: it beats Delighted's person id. */
const OWN_CUSTOMER_ID = /^customer[ _]?id$/i;

interface AdditionalAnswer {
  question?: { id?: unknown; text?: unknown };
  value?: Record<string, unknown>;
}

/** The value of one additional answer, whichever question type gave it. */
function answerValue(value: Record<string, unknown> | undefined): unknown {
  if (!value) return undefined;
  if ("free_response" in value) return value.free_response;
  if ("scale" in value) return value.scale;
  const choice = (entry: unknown) => (entry as { text?: unknown } | null)?.text;
  if ("select_one" in value) return choice(value.select_one);
  if (Array.isArray(value.select_many)) return value.select_many.map(choice).filter(Boolean).join(", ");
  return undefined;
}

/**
 * One `survey_response` object of Delighted's API (`GET /v1/survey_responses.json?expand[]=person&expand[]=notes`,
 * or the `event_data` of its webhook) as a cxloop submission: id `delighted-<id>`, the original `created_at`,
 * the person as customer (their own "Customer ID" property if set, else Delighted's person id), channel from
 * "Delighted Source", and source, device, tags, notes, properties and additional answers as attributes.
 */
export function mapDelightedResponse(input: unknown): Mapped {
  if (typeof input !== "object" || input === null || Array.isArray(input))
    return unmappable("body", "a Delighted survey_response object is required");
  const response = input as Record<string, unknown>;
  const id = textOf(response.id);
  if (!id) return unmappable("id", "the survey response has no id");
  const surveyType = textOf(response.survey_type)?.toLowerCase() ?? "nps";
  const kind = SURVEY_TYPES[surveyType];
  if (!kind)
    return unmappable(
      "survey_type",
      `${surveyType} has no cxloop equivalent (nps, csat, five_star, smileys and ces are imported)`,
    );
  const submittedAt = instantOf(response.created_at);
  if (response.created_at !== undefined && !submittedAt)
    return unmappable("created_at", "must be Unix seconds or an ISO 8601 time");

  const score = integerOf(response.score);
  if (Number.isNaN(score)) return unmappable("score", "must be a whole number");
  const properties = (
    typeof response.person_properties === "object" && response.person_properties !== null
      ? response.person_properties
      : {}
  ) as Record<string, unknown>;
  const source = textOf(properties[SOURCE]);
  const channel = source ? CHANNELS[source.toLowerCase()] : undefined;
  const customer = customerOf(response.person, properties);
  const comment = textOf(response.comment);
  const tags = Array.isArray(response.tags) ? response.tags.map(textOf).filter(Boolean) : [];
  const notes = Array.isArray(response.notes)
    ? response.notes.map((note) => textOf((note as { text?: unknown } | null)?.text ?? note)).filter(Boolean)
    : [];
  const answers = Array.isArray(response.additional_answers) ? (response.additional_answers as AdditionalAnswer[]) : [];
  const attributes = fitAttributes([
    ["source", source],
    ["device", textOf(properties[DEVICE])],
    ["tags", tags.length ? tags.join(", ") : undefined],
    ["notes", notes.length ? notes.join(" | ") : undefined],
    ...Object.entries(properties).filter(([key]) => key !== SOURCE && key !== DEVICE && !OWN_CUSTOMER_ID.test(key)),
    ...answers.map((answer): [string, unknown] => [
      textOf(answer.question?.text) ?? `answer ${textOf(answer.question?.id) ?? ""}`,
      answerValue(answer.value),
    ]),
  ]);

  return mapped([
    {
      id: `delighted-${safeId(id)}`,
      type: kind.type,
      ...(score !== undefined ? { score } : {}),
      scale: kind.scale,
      ...(comment ? { comment } : {}),
      survey: `delighted-${surveyType}`,
      ...(channel ? { channel } : {}),
      ...(customer ? { customer } : {}),
      ...(submittedAt ? { submittedAt } : {}),
      ...(Object.keys(attributes).length ? { attributes } : {}),
    },
  ]);
}

function customerOf(person: unknown, properties: Record<string, unknown>) {
  const expanded = typeof person === "object" && person !== null ? (person as Record<string, unknown>) : {};
  const ownId = Object.entries(properties).find(([key]) => OWN_CUSTOMER_ID.test(key))?.[1];
  const id = textOf(ownId) ?? textOf(expanded.id) ?? textOf(person);
  if (!id) return undefined;
  const email = textOf(expanded.email);
  const name = textOf(expanded.name);
  return { id: safeId(id), ...(email ? { email } : {}), ...(name ? { name } : {}) };
}

/** The revision of a Delighted response: its `updated_at`, so the newest version wins whatever order they come in. */
export function delightedRevision(input: unknown): number | undefined {
  const response = (input ?? {}) as Record<string, unknown>;
  const at = instantOf(response.updated_at) ?? instantOf(response.created_at);
  return at ? Math.max(1, Math.floor(Date.parse(at) / 1000)) : undefined;
}

/**
 * Delighted's CSV export, read by header name (case and spacing do not matter). The headers assumed are listed
 * in test/fixtures/importers/README.md; every column not listed is a person property and becomes an attribute.
 */
const CSV_COLUMNS: Record<string, string> = {
  "response id": "id",
  id: "id",
  "survey type": "survey_type",
  score: "score",
  comment: "comment",
  "created at": "created_at",
  "response date": "created_at",
  date: "created_at",
  time: "created_at",
  "updated at": "updated_at",
  "person id": "person.id",
  name: "person.name",
  email: "person.email",
  tags: "tags",
  notes: "notes",
};

/** One CSV row as the `survey_response` object the API would have given, so both go through one mapping. */
export function mapDelightedCsvRow(row: Record<string, string>): Mapped {
  const response: Record<string, unknown> = {};
  const person: Record<string, string> = {};
  const properties: Record<string, string> = {};
  for (const [header, cell] of Object.entries(row)) {
    const value = cell.trim();
    if (value === "") continue;
    const field = CSV_COLUMNS[header.trim().toLowerCase().replace(/\s+/g, " ")];
    if (!field) properties[header.trim()] = value;
    else if (field.startsWith("person.")) person[field.slice(7)] = value;
    else if (field === "tags")
      response.tags = value
        .split(",")
        .map((tag) => tag.trim())
        .filter(Boolean);
    else if (field === "notes") response.notes = [value];
    else response[field] = value;
  }
  if (Object.keys(person).length) response.person = person;
  if (Object.keys(properties).length) response.person_properties = properties;
  return mapDelightedResponse(response);
}

/** What a Delighted import applies, for the dry run. */
export const DELIGHTED_MAPPING: MappingLine[] = [
  { field: "id", from: "id / Response ID → delighted-<id>" },
  { field: "type", from: "survey_type / Survey Type (nps; csat, five_star, smileys → csat 1-5; ces → ces 1-7)" },
  { field: "score", from: "score / Score" },
  { field: "comment", from: "comment / Comment" },
  { field: "customer", from: 'person.id (or a "Customer ID" property), person.email, person.name' },
  { field: "channel", from: '"Delighted Source" (Email, SMS, Web/Link, Kiosk, iOS/Android → app)' },
  { field: "submittedAt", from: "created_at / Created At" },
  { field: "attributes", from: "source, device, tags, notes, person properties, additional answers" },
];
