import { DIMENSIONS, type Dimension } from "../contracts/metrics";
import type { ResponseRecord } from "../contracts/record";
import type { EmployeeGroup } from "../contracts/submission";
import { cesCategory, csatCategory, DEFAULT_SCALES, npsCategory, scaleLabel } from "./scoring";

/** What the rollup reads of each stored response. */
export type RollupResponse = Pick<
  ResponseRecord,
  | "id"
  | "type"
  | "score"
  | "scale"
  | "themes"
  | "sentiment"
  | "survey"
  | "touchpoint"
  | "stage"
  | "channel"
  | "submittedAt"
> & {
  customer: Pick<NonNullable<ResponseRecord["customer"]>, "id" | "segment" | "annualValue" | "currency"> | null;
  /** An employee answer's groups (type enps only). */
  employee?: EmployeeGroup | null;
};

export interface NpsCounts {
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
}
/** Per scale: answers, answers in the top (satisfied / easy) band, and the sum of scores for the mean. */
export interface ScaleCounts {
  responses: number;
  top: number;
  sum: number;
}
export interface Stats {
  /** Every response, scored or not: the denominator of a theme's share. */
  total: number;
  nps: NpsCounts;
  csat: Record<string, ScaleCounts>;
  ces: Record<string, ScaleCounts>;
}

/** The finest cell of a day: one combination of the four dimensions (null when a response has none). */
export interface Cell {
  key: Record<Dimension, string | null>;
  stats: Stats;
}

/** A theme's mentions in one survey on one day: what `GET /v1/drivers` needs. */
export interface ThemeCell {
  survey: string | null;
  theme: string;
  stats: Stats;
  sentimentSum: number;
  sentimentCount: number;
  /**
   * Customer id → [annual value, currency, submittedAt] from their latest mention: every customer
   * up to CUSTOMER_SAMPLE_SIZE, else the sample of those whose ids hash smallest.
   */
  customers: Record<string, CustomerValue>;
  /** True once customers were left out of `customers`: counts and values are then estimated. */
  customersSampled: boolean;
  /** The most negative mention, to quote in the digest (the comment is read from the response, so erasure holds). */
  example: { responseId: string; sentiment: number } | null;
}

export type CustomerValue = [annualValue: number | null, currency: string | null, at: string];

/**
 * One scored answer, compact, as the driver model reads it: the score rescaled to 0..1 on its
 * scale (NPS: score / 10), its themes and the attributes it is broken down by.
 */
export interface SampledAnswer {
  id: string;
  /** Answers of one customer are joined across types and days; null when the response named none. */
  customer: string | null;
  type: "nps" | "csat" | "ces";
  score: number;
  themes: string[];
  survey: string | null;
  touchpoint: string | null;
  channel: string | null;
  segment: string | null;
}

/** Employee answers (eNPS) of one team and location on one day: kept apart, never in a customer view. */
export interface EmployeeCell {
  key: { team: string | null; location: string | null };
  enps: NpsCounts;
}

export interface DayAggregate {
  day: string;
  /** eNPS counts by team and location (the `enps` view); absent in the customer views. */
  employees?: EmployeeCell[];
  cells: Cell[];
  themes: ThemeCell[];
  /** At most ANSWER_SAMPLE_SIZE scored answers of the day, chosen by customer hash (see `sampleAnswers`). */
  answers: SampledAnswer[];
}

export const emptyStats = (): Stats => ({
  total: 0,
  nps: { responses: 0, promoters: 0, passives: 0, detractors: 0 },
  csat: {},
  ces: {},
});

export const emptyThemeCell = (survey: string | null, theme: string): ThemeCell => ({
  survey,
  theme,
  stats: emptyStats(),
  sentimentSum: 0,
  sentimentCount: 0,
  customers: {},
  customersSampled: false,
  example: null,
});

function addScale(target: Record<string, ScaleCounts>, scale: string, counts: ScaleCounts) {
  const into = target[scale] ?? { responses: 0, top: 0, sum: 0 };
  into.responses += counts.responses;
  into.top += counts.top;
  into.sum += counts.sum;
  target[scale] = into;
}

/** `whole` less `part` (a new value): the answers of `whole` not in `part`. */
export function subtractStats(whole: Stats, part: Stats): Stats {
  const scales = (a: Record<string, ScaleCounts>, b: Record<string, ScaleCounts>) =>
    Object.fromEntries(
      Object.entries(a).map(([scale, counts]) => {
        const minus = b[scale] ?? { responses: 0, top: 0, sum: 0 };
        return [
          scale,
          { responses: counts.responses - minus.responses, top: counts.top - minus.top, sum: counts.sum - minus.sum },
        ];
      }),
    );
  return {
    total: whole.total - part.total,
    nps: {
      responses: whole.nps.responses - part.nps.responses,
      promoters: whole.nps.promoters - part.nps.promoters,
      passives: whole.nps.passives - part.nps.passives,
      detractors: whole.nps.detractors - part.nps.detractors,
    },
    csat: scales(whole.csat, part.csat),
    ces: scales(whole.ces, part.ces),
  };
}

/** Adds `from` into `into` (mutating it) and returns it. */
export function addStats(into: Stats, from: Stats): Stats {
  into.total += from.total;
  into.nps.responses += from.nps.responses;
  into.nps.promoters += from.nps.promoters;
  into.nps.passives += from.nps.passives;
  into.nps.detractors += from.nps.detractors;
  for (const [scale, counts] of Object.entries(from.csat)) addScale(into.csat, scale, counts);
  for (const [scale, counts] of Object.entries(from.ces)) addScale(into.ces, scale, counts);
  return into;
}

/**
 * A day keeps at most this many scored answers for the driver model: all of them on a smaller day,
 * else those whose customer ids hash smallest (a customer-less answer by its response id). Ranking
 * by customer keeps the same customers in every day's sample, so their NPS, CSAT and CES answers
 * can still be joined; the sample of a union is the sample of the samples, so days merge exactly.
 * At about 200 bytes an answer, a day's sample stays near 40 KB whatever the volume.
 */
export const ANSWER_SAMPLE_SIZE = 200;

/** An answer's place in every sample: its customer's hash (a customer-less answer by its response id). */
export const sampleRank = (answer: SampledAnswer) => customerHash(answer.customer ?? `#${answer.id}`);
/**
 * The `size` answers ranked first among any answers (duplicates by id counted once), by customer
 * hash, then response id: a day's sample by default.
 */
export function sampleAnswers(answers: Iterable<SampledAnswer>, size = ANSWER_SAMPLE_SIZE): SampledAnswer[] {
  const unique = new Map<string, SampledAnswer>();
  for (const answer of answers) unique.set(answer.id, answer);
  // Each rank hashed once, not at every comparison: a window merges some 13,000 answers.
  return [...unique.values()]
    .map((answer) => ({ answer, rank: sampleRank(answer) }))
    .sort((a, b) => a.rank - b.rank || (a.answer.id < b.answer.id ? -1 : a.answer.id > b.answer.id ? 1 : 0))
    .slice(0, size)
    .map(({ answer }) => answer);
}

function answerOf(response: RollupResponse): SampledAnswer | null {
  const { score, type } = response;
  if (score === null || (type !== "nps" && type !== "csat" && type !== "ces")) return null;
  const scale = response.scale ?? DEFAULT_SCALES[type];
  return {
    id: response.id,
    customer: response.customer?.id ?? null,
    type,
    score: (score - scale.min) / (scale.max - scale.min),
    themes: [...new Set(response.themes)].sort(),
    survey: response.survey,
    touchpoint: response.touchpoint,
    channel: response.channel,
    segment: response.customer?.segment ?? null,
  };
}

/** Counts one response into `stats`. Only answered questions count toward a score. */
function countResponse(stats: Stats, response: RollupResponse) {
  stats.total += 1;
  const { score, type } = response;
  if (score === null || (type !== "nps" && type !== "csat" && type !== "ces")) return;
  const scale = response.scale ?? DEFAULT_SCALES[type];
  if (type === "nps") {
    const category = npsCategory(score);
    stats.nps.responses += 1;
    if (category === "promoter") stats.nps.promoters += 1;
    else if (category === "passive") stats.nps.passives += 1;
    else stats.nps.detractors += 1;
    return;
  }
  const top = type === "csat" ? csatCategory(score, scale) === "satisfied" : cesCategory(score, scale) === "easy";
  addScale(stats[type], scaleLabel(scale), { responses: 1, top: top ? 1 : 0, sum: score });
}

const cellKey = (response: RollupResponse): Record<Dimension, string | null> => ({
  survey: response.survey,
  touchpoint: response.touchpoint,
  channel: response.channel,
  segment: response.customer?.segment ?? null,
  stage: response.stage ?? null,
});

/**
 * One day's aggregate from that day's stored responses. Responses are taken once
 * per id, so a replayed or duplicated response never counts twice, and the result
 * depends only on the set of responses: recomputing a day gives the same numbers.
 */
export function aggregateDay(day: string, responses: Iterable<RollupResponse>): DayAggregate {
  const unique = new Map<string, RollupResponse>();
  for (const response of responses) unique.set(response.id, response);
  const ordered = [...unique.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const cells = new Map<string, Cell>();
  const themes = new Map<string, ThemeCell>();
  const employees = new Map<string, EmployeeCell>();
  for (const response of ordered) {
    if (response.type === "enps") {
      addEmployeeAnswer(employees, response);
      continue;
    }
    const key = cellKey(response);
    const id = JSON.stringify(key);
    const cell = cells.get(id) ?? { key, stats: emptyStats() };
    countResponse(cell.stats, response);
    cells.set(id, cell);

    for (const theme of new Set(response.themes)) {
      const themeId = JSON.stringify([response.survey, theme]);
      const entry = themes.get(themeId) ?? emptyThemeCell(response.survey, theme);
      countResponse(entry.stats, response);
      if (response.sentiment) {
        entry.sentimentSum += response.sentiment.score;
        entry.sentimentCount += 1;
        const example = { responseId: response.id, sentiment: response.sentiment.score };
        if (!entry.example || isMoreNegative(example, entry.example)) entry.example = example;
      }
      if (response.customer) {
        const { id: customerId, annualValue, currency } = response.customer;
        addCustomer(entry.customers, customerId, [annualValue, currency, response.submittedAt]);
      }
      themes.set(themeId, entry);
    }
  }
  for (const entry of themes.values()) sampleCustomers(entry);
  const answers = sampleAnswers(ordered.flatMap((response) => answerOf(response) ?? []));
  const byKey = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return {
    day,
    employees: sortedEmployeeCells(employees),
    cells: [...cells.entries()]
      .map(([id, cell]) => ({ id, cell }))
      .sort(byKey)
      .map(({ cell }) => cell),
    themes: [...themes.entries()]
      .map(([id, cell]) => ({ id, cell }))
      .sort(byKey)
      .map(({ cell }) => cell),
    answers,
  };
}

/** Merges two aggregates of the same day (disjoint sets of responses), as if aggregated together. */
export function mergeDays(a: DayAggregate, b: DayAggregate): DayAggregate {
  const cells = new Map<string, Cell>();
  for (const cell of [...a.cells, ...b.cells]) {
    const id = JSON.stringify(cell.key);
    const into = cells.get(id) ?? { key: cell.key, stats: emptyStats() };
    addStats(into.stats, cell.stats);
    cells.set(id, into);
  }
  const themes = new Map<string, ThemeCell>();
  for (const entry of [...a.themes, ...b.themes]) {
    const id = JSON.stringify([entry.survey, entry.theme]);
    const into = themes.get(id) ?? emptyThemeCell(entry.survey, entry.theme);
    addThemeCell(into, entry);
    sampleCustomers(into);
    themes.set(id, into);
  }
  const sorted = <T>(map: Map<string, T>) =>
    [...map.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, value]) => value);
  const employees = new Map<string, EmployeeCell>();
  for (const cell of [...(a.employees ?? []), ...(b.employees ?? [])]) addEmployeeCell(employees, cell);
  return {
    day: a.day,
    employees: sortedEmployeeCells(employees),
    cells: sorted(cells),
    themes: sorted(themes),
    answers: sampleAnswers([...a.answers, ...b.answers]),
  };
}

function addEmployeeCell(cells: Map<string, EmployeeCell>, from: EmployeeCell) {
  const id = JSON.stringify(from.key);
  const into = cells.get(id) ?? { key: from.key, enps: { responses: 0, promoters: 0, passives: 0, detractors: 0 } };
  into.enps.responses += from.enps.responses;
  into.enps.promoters += from.enps.promoters;
  into.enps.passives += from.enps.passives;
  into.enps.detractors += from.enps.detractors;
  cells.set(id, into);
}

function addEmployeeAnswer(cells: Map<string, EmployeeCell>, response: RollupResponse) {
  if (response.score === null) return;
  const category = npsCategory(response.score);
  addEmployeeCell(cells, {
    key: { team: response.employee?.team ?? null, location: response.employee?.location ?? null },
    enps: {
      responses: 1,
      promoters: category === "promoter" ? 1 : 0,
      passives: category === "passive" ? 1 : 0,
      detractors: category === "detractor" ? 1 : 0,
    },
  });
}

const sortedEmployeeCells = (cells: Map<string, EmployeeCell>) =>
  [...cells.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, cell]) => cell);

/**
 * Adds one theme cell's mentions into another's (mutating it). Customers are united, not yet
 * cut back to the sample: the caller decides when (`sampleCustomers`).
 */
export function addThemeCell(into: ThemeCell, from: ThemeCell): void {
  addStats(into.stats, from.stats);
  into.sentimentSum += from.sentimentSum;
  into.sentimentCount += from.sentimentCount;
  for (const [customerId, value] of Object.entries(from.customers)) addCustomer(into.customers, customerId, value);
  into.customersSampled ||= from.customersSampled;
  if (from.example && (!into.example || isMoreNegative(from.example, into.example))) into.example = from.example;
}

/** Ties are broken by response id so the example is the same whichever order days are merged in. */
function isMoreNegative(a: { responseId: string; sentiment: number }, b: { responseId: string; sentiment: number }) {
  return a.sentiment < b.sentiment || (a.sentiment === b.sentiment && a.responseId < b.responseId);
}

/** Keeps each customer's latest known value, whatever order mentions are added in. */
export function addCustomer(customers: Record<string, CustomerValue>, id: string, value: CustomerValue) {
  const known = customers[id];
  if (!known || value[2] > known[2] || (value[2] === known[2] && JSON.stringify(value) > JSON.stringify(known)))
    customers[id] = value;
}

/**
 * A theme cell keeps at most this many customers: beyond it, the k-minimum-values sample (the
 * customers whose ids hash smallest). The sample of a union is the sample of the samples, so
 * days merge exactly, and the number and value of distinct customers are estimated from it
 * (relative error about 1 / sqrt(k), 6%), while a theme cell stays small at any volume.
 */
export const CUSTOMER_SAMPLE_SIZE = 256;

/** FNV-1a of the id, as a fraction in (0, 1]. */
export function customerHash(id: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash + 1) / 2 ** 32;
}

/**
 * Cuts a theme cell's customers down to the `size` whose ids hash smallest (a day's sample by
 * default), marking it sampled when anyone was left out.
 */
export function sampleCustomers(cell: Pick<ThemeCell, "customers" | "customersSampled">, size = CUSTOMER_SAMPLE_SIZE) {
  const ids = Object.keys(cell.customers);
  if (ids.length <= size) return;
  const kept = new Set(
    ids
      .map((id) => ({ id, hash: customerHash(id) }))
      .sort((a, b) => a.hash - b.hash || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .slice(0, size)
      .map(({ id }) => id),
  );
  // Rebuilt rather than deleted from (deleting most keys of a large object is slow), in the same order.
  const { customers } = cell;
  cell.customers = Object.fromEntries(
    ids.filter((id) => kept.has(id)).map((id) => [id, customers[id] as CustomerValue]),
  );
  cell.customersSampled = true;
}

/**
 * Distinct customers and their annual value per currency: exact, or estimated from a sample cut
 * to `size` (`sampleCustomers`): count ≈ (size − 1) / the largest hash kept.
 */
export function customersAffected(cell: Pick<ThemeCell, "customers" | "customersSampled">, size: number) {
  const ids = Object.keys(cell.customers);
  const largest = ids.reduce((max, id) => Math.max(max, customerHash(id)), 0);
  const count = cell.customersSampled ? (size - 1) / largest : ids.length;
  const scale = ids.length === 0 ? 0 : count / ids.length;
  const values = new Map<string, number>();
  for (const [annualValue, currency] of Object.values(cell.customers))
    if (annualValue !== null) values.set(currency ?? "unknown", (values.get(currency ?? "unknown") ?? 0) + annualValue);
  return {
    customers: Math.round(count),
    estimated: cell.customersSampled,
    annualValue: [...values.entries()].map(([currency, total]) => ({ currency, total: total * scale })),
  };
}

/** Every pair of dimensions, in DIMENSIONS order, named `a+b`. */
const PAIRS = DIMENSIONS.flatMap((first, index) =>
  DIMENSIONS.slice(index + 1).map((second) => `${first}+${second}` as const),
);

/**
 * How a day is stored for reading: the total, each dimension on its own, each pair of dimensions,
 * the full cube (every combination seen), and the theme cells. A query reads the smallest view
 * that answers it, so any query involving up to two dimensions reads a handful of cells a day
 * however many combinations the responses make.
 */
export const CELL_VIEWS = ["total", ...DIMENSIONS, ...PAIRS, "cube"] as const;
export type CellView = (typeof CELL_VIEWS)[number];
export type View = CellView | "themes" | "answers" | "enps";

/** The dimensions a view keeps. */
export function dimensionsOf(view: CellView): readonly Dimension[] {
  if (view === "total") return [];
  if (view === "cube") return DIMENSIONS;
  return view.split("+") as Dimension[];
}

/** The view keeping exactly these dimensions (the cube for three or more). */
export function viewOf(dimensions: Iterable<Dimension>): CellView {
  const kept = new Set(dimensions);
  const ordered = DIMENSIONS.filter((dimension) => kept.has(dimension));
  if (ordered.length === 0) return "total";
  if (ordered.length > 2) return "cube";
  return ordered.join("+") as CellView;
}

/** The cells of a view: the cube's cells summed onto the view's dimensions (the others left null). */
export function cellsOfView(cells: readonly Cell[], view: CellView): Cell[] {
  if (view === "cube") return [...cells];
  const kept = dimensionsOf(view);
  const collapsed = new Map<string, Cell>();
  for (const cell of cells) {
    const key: Cell["key"] = { survey: null, touchpoint: null, channel: null, segment: null, stage: null };
    for (const dimension of kept) key[dimension] = cell.key[dimension];
    const id = JSON.stringify(key);
    const into = collapsed.get(id) ?? { key, stats: emptyStats() };
    addStats(into.stats, cell.stats);
    collapsed.set(id, into);
  }
  return [...collapsed.values()];
}

/**
 * Queries on three or more dimensions read running sums of the cube rather than its days: for every
 * day with responses, the cube summed from the first day of its block of RUNNING_BLOCK_DAYS days
 * (aligned on 1970-01-01) through that day. Any span of days is then a few such sums added and one
 * subtracted (`runningTerms`), and each sum holds at most every combination in use, so the cells
 * read stop growing once the combinations have been seen, however dense the days. A day's change
 * rewrites the sums from it to the end of its block: one for today, at most 32 for a day long past.
 */
export const RUNNING_VIEW = "cube-running";
export const RUNNING_BLOCK_DAYS = 32;

const DAY_MS = 86_400_000;
const dayNumber = (day: string) => Math.round(Date.parse(day) / DAY_MS);
const dayOfNumber = (number: number) => new Date(number * DAY_MS).toISOString().slice(0, 10);
/** The day before `day` (`YYYY-MM-DD`). */
export const dayBefore = (day: string) => dayOfNumber(dayNumber(day) - 1);
export const dayAfter = (day: string) => dayOfNumber(dayNumber(day) + 1);

/** The block of days whose running sums `day`'s cube is added into. */
export function runningBlock(day: string): { from: string; to: string } {
  const first = Math.floor(dayNumber(day) / RUNNING_BLOCK_DAYS) * RUNNING_BLOCK_DAYS;
  return { from: dayOfNumber(first), to: dayOfNumber(first + RUNNING_BLOCK_DAYS - 1) };
}

/**
 * The running sums whose cells add up to the days `from`..`to`: with R(t) the sum of t's block
 * through t, the span is R(to) − R(from − 1) + R(end of each block from that of `from − 1` up to,
 * not including, that of `to`). A term added and subtracted alike is left out.
 */
export function runningTerms(span: { from: string; to: string }): { add: string[]; subtract: string[] } {
  const before = dayBefore(span.from);
  const add = [span.to];
  for (let end = runningBlock(before).to; end < runningBlock(span.to).from; end = runningBlock(dayAfter(end)).to)
    add.push(end);
  const cancelled = add.indexOf(before);
  if (cancelled >= 0) return { add: add.filter((_, index) => index !== cancelled), subtract: [] };
  return { add, subtract: [before] };
}

const keyId = (cell: Cell) => JSON.stringify(cell.key);

/**
 * The cells of `add` summed, less those of `subtract`, in key order; a combination or scale left
 * with no answers is dropped, so the result is what summing the days themselves would give.
 */
export function combineCells(add: readonly (readonly Cell[])[], subtract: readonly (readonly Cell[])[] = []): Cell[] {
  const sums = new Map<string, Cell>();
  for (const cell of add.flat()) {
    const id = keyId(cell);
    sums.set(id, { key: cell.key, stats: addStats(sums.get(id)?.stats ?? emptyStats(), cell.stats) });
  }
  for (const cell of subtract.flat()) {
    const id = keyId(cell);
    sums.set(id, { key: cell.key, stats: subtractStats(sums.get(id)?.stats ?? emptyStats(), cell.stats) });
  }
  const answered = (byScale: Record<string, ScaleCounts>) =>
    Object.fromEntries(Object.entries(byScale).filter(([, counts]) => counts.responses !== 0));
  return [...sums.entries()]
    .filter(([, cell]) => cell.stats.total !== 0)
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, cell]) => ({
      key: cell.key,
      stats: { ...cell.stats, csat: answered(cell.stats.csat), ces: answered(cell.stats.ces) },
    }));
}

/**
 * The running sums of `days` (one block's cubes, any order): each day's cells added to the running
 * sum before it, starting from `base` (the block's sum on the day before the first of `days`).
 */
export function runningSums(base: readonly Cell[], days: readonly DayAggregate[]): DayAggregate[] {
  let sum: readonly Cell[] = base;
  return [...days]
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
    .map((day) => {
      sum = combineCells([sum, day.cells]);
      return { day: day.day, cells: [...sum], themes: [], answers: [] };
    });
}

/**
 * `GET /v1/drivers` reads its window as a few aligned blocks of days rather than day by day: blocks
 * of 2, 4, … 2^DRIVER_BLOCK_LEVELS days, aligned on 1970-01-01, each stored as the merge of its two
 * halves, so any window is at most two blocks per size (about 10 for 90 days). A block keeps its
 * survey totals, its theme cells with at most BLOCK_CUSTOMER_SAMPLE_SIZE customers each, and at most
 * BLOCK_ANSWER_SAMPLE_SIZE answers, both chosen by the smallest hash like the days' samples: the
 * bottom-k of a union is the bottom-k of its parts' bottom-k, so a block is exactly what its days
 * would give, and so is a window made of blocks. The samples are what bound the bytes a window reads:
 * a block's are full at any volume where the days' would have grown to their caps.
 */
export const DRIVER_BLOCK_LEVELS = 6;
/** A theme's customers per block, and in a window: counts and values estimated to about 1 / sqrt(k − 2), 18%. */
export const BLOCK_CUSTOMER_SAMPLE_SIZE = 32;
/** Answers per block, and in a window: the driver model fits the NPS answers among them. */
export const BLOCK_ANSWER_SAMPLE_SIZE = 1000;

/** `level` 0 is one day (read from the day views); level l ≥ 1 is 2^l days, stored in `driverBlockView(l)`. */
export interface DriverBlock {
  level: number;
  from: string;
  to: string;
}
export const driverBlockView = (level: number): `drivers-${number}` => `drivers-${2 ** level}`;

/** The block of `level` that holds `day`. */
export function driverBlockOf(day: string, level: number): DriverBlock {
  const size = 2 ** level;
  const first = Math.floor(dayNumber(day) / size) * size;
  return { level, from: dayOfNumber(first), to: dayOfNumber(first + size - 1) };
}

/** The two blocks of the level below that make up `block` (level ≥ 1). */
export function driverBlockHalves(block: DriverBlock): [DriverBlock, DriverBlock] {
  const first = driverBlockOf(block.from, block.level - 1);
  return [first, driverBlockOf(dayAfter(first.to), block.level - 1)];
}

/** The days `from`..`to` as disjoint aligned blocks, the largest that fits first. */
export function driverBlocksOf(span: { from: string; to: string }): DriverBlock[] {
  const blocks: DriverBlock[] = [];
  const last = dayNumber(span.to);
  for (let start = dayNumber(span.from); start <= last; ) {
    let level = DRIVER_BLOCK_LEVELS;
    while (level > 0 && (start % 2 ** level !== 0 || start + 2 ** level - 1 > last)) level -= 1;
    blocks.push({ level, from: dayOfNumber(start), to: dayOfNumber(start + 2 ** level - 1) });
    start += 2 ** level;
  }
  return blocks;
}

/**
 * The highest sample rank any answer of a window's sample can have, from its blocks' samples: a
 * block whose sample is full (BLOCK_ANSWER_SAMPLE_SIZE answers) already gives the window that many
 * answers ranked up to its last one, so no answer ranked above the smallest such last rank can be
 * among the window's BLOCK_ANSWER_SAMPLE_SIZE. Infinity when no block is full.
 */
export function windowSampleBound(blocks: readonly { answers: number; lastRank: number }[]): number {
  return blocks.reduce(
    (bound, block) => (block.answers >= BLOCK_ANSWER_SAMPLE_SIZE ? Math.min(bound, block.lastRank) : bound),
    Number.POSITIVE_INFINITY,
  );
}

/**
 * A block (stored under its first day) from what drivers read of its parts, days or smaller
 * blocks: survey totals added, each theme's customers and the answers cut to the block's samples.
 */
export function mergeDriverBlock(day: string, parts: readonly DayAggregate[]): DayAggregate {
  const themes = new Map<string, ThemeCell>();
  for (const entry of parts.flatMap((part) => part.themes)) {
    const id = JSON.stringify([entry.survey, entry.theme]);
    const into = themes.get(id) ?? emptyThemeCell(entry.survey, entry.theme);
    addThemeCell(into, entry);
    themes.set(id, into);
  }
  for (const into of themes.values()) sampleCustomers(into, BLOCK_CUSTOMER_SAMPLE_SIZE);
  return {
    day,
    cells: combineCells(parts.map((part) => part.cells)),
    themes: [...themes.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, cell]) => cell),
    answers: sampleAnswers(
      parts.flatMap((part) => part.answers),
      BLOCK_ANSWER_SAMPLE_SIZE,
    ),
  };
}
