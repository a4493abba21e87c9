/**
 * `npm run demo`: fills a running cxloop with six weeks of a believable B2B story, so the manager
 * console has something to show: 30 accounts with values and renewal dates, their orders and support
 * tickets, about 450 answers whose comments hit the default themes, the metrics rolled up, and a
 * queue of cases of which some are already being worked.
 *
 * The story the figures tell: a delivery problem four to six weeks ago that has since been fixed,
 * pricing complaints growing since, enterprise accounts happier than small businesses, and a few
 * accounts close to renewal that have just turned into detractors (the revenue at risk).
 *
 * Deterministic: a seeded PRNG, stable ids, and every time counted back from the start of today
 * (UTC), so a second run on the same day sends the same bodies again and nothing is stored twice.
 * On a later day the bodies differ and intake refuses them as idempotency conflicts: still nothing
 * is stored twice, and the stored story keeps its dates (remove `.cxloop/` for a fresh one).
 */

type Segment = "enterprise" | "mid-market" | "smb";
/** How an account feels about us: scales its complaint rate; `souring` accounts end on a detractor. */
type Health = "loyal" | "steady" | "souring";
/** What a comment is about; each topic's comments hit the default taxonomy's themes named below. */
type Topic = "delivery" | "price" | "support" | "app" | "billing" | "quality";
type Mood = "complaint" | "passive" | "praise";
type AnswerType = "nps" | "csat" | "ces";

interface DemoCustomer {
  id: string;
  name: string;
  /** The account's main contact: their address is the profile's email. */
  contact: string;
  segment: Segment;
  annualValue: number;
  currency: "EUR" | "USD";
  renewsInDays: number;
  health: Health;
}

const DAY_MS = 86_400_000;
/** Six weeks of answers, the newest from yesterday. */
const DAYS = 42;
const RESPONSE_COUNT = 450;
/** The batch API's limit. */
const BATCH_SIZE = 100;

const SURVEYS = [
  { survey: "post-purchase", touchpoint: "checkout", channel: "web" },
  { survey: "post-purchase", touchpoint: "delivery", channel: "email" },
  { survey: "support-follow-up", touchpoint: "support-chat", channel: "support" },
  { survey: "relationship", touchpoint: "account", channel: "email" },
  { survey: "app-feedback", touchpoint: "mobile-app", channel: "app" },
  { survey: "store-visit", touchpoint: "store", channel: "kiosk" },
] as const;
type Touchpoint = (typeof SURVEYS)[number]["touchpoint"];

/** Where each topic is raised, so the touchpoint breakdown tells the same story as the themes. */
const TOPIC_TOUCHPOINTS: Record<Topic, readonly Touchpoint[]> = {
  delivery: ["delivery"],
  price: ["checkout", "account"],
  support: ["support-chat"],
  app: ["mobile-app"],
  billing: ["account", "support-chat"],
  quality: ["delivery", "store"],
};

/**
 * Share of answers that complain about a topic, by weeks ago (index 0 = the last seven days):
 * delivery spikes four to six weeks ago and recovers, price creeps up, the rest stays flat.
 */
const COMPLAINT_RATE: Record<Topic, readonly number[]> = {
  delivery: [0.02, 0.03, 0.05, 0.14, 0.17, 0.15],
  price: [0.12, 0.09, 0.07, 0.05, 0.03, 0.02],
  support: [0.04, 0.04, 0.04, 0.04, 0.04, 0.04],
  app: [0.03, 0.03, 0.03, 0.03, 0.03, 0.03],
  billing: [0.02, 0.02, 0.02, 0.02, 0.02, 0.02],
  quality: [0.02, 0.02, 0.02, 0.02, 0.02, 0.02],
};
/** Enterprise accounts have account managers and complain less than small businesses. */
const SEGMENT_FACTOR: Record<Segment, number> = { enterprise: 0.65, "mid-market": 1, smb: 1.25 };
const HEALTH_FACTOR: Record<Health, number> = { loyal: 0.5, steady: 1, souring: 1.7 };
/** Of the answers that are not complaints, the share that are lukewarm. */
const PASSIVE_SHARE = 0.22;
const TYPE_WEIGHTS: [AnswerType, number][] = [
  ["nps", 0.7],
  ["csat", 0.18],
  ["ces", 0.12],
];
/** Scores to draw from; repeats weight the draw. CES is on its default 1-7 scale. */
const SCORES: Record<AnswerType, Record<Mood, readonly number[]>> = {
  nps: { complaint: [0, 1, 2, 3, 3, 4, 4, 5, 5, 6, 6], passive: [7, 8, 8], praise: [9, 9, 10, 10, 10] },
  csat: { complaint: [1, 2, 2], passive: [3], praise: [4, 5, 5] },
  ces: { complaint: [1, 2, 3, 3], passive: [4], praise: [5, 6, 6, 7] },
};
/** How often each mood leaves a comment: unhappy customers say why. */
const COMMENT_SHARE: Record<Mood, number> = { complaint: 0.9, passive: 0.5, praise: 0.6 };

/**
 * Comments by topic and mood. Each one hits its topic's theme in the default taxonomy
 * (lambdas/core/themes.ts: delivery, price, support, usability or performance for the app, billing,
 * product quality) and, on purpose, no other, so the drivers page shows the story plainly.
 */
const COMMENTS: Record<Topic, Record<Mood, readonly string[]>> = {
  delivery: {
    complaint: [
      "The parcel arrived four days late and tracking was useless.",
      "Our shipping was delayed again and the courier missed two slots. Really disappointing.",
      "Another late delivery this month, our warehouse is stuck waiting. Awful.",
      "The package was left outside in the rain, not good enough.",
      "Dispatch took over a week, which is far too long for us. Poor.",
    ],
    passive: ["Decent service overall, delivery could be a little quicker."],
    praise: [
      "Delivery was on time and the parcel was well packed.",
      "Everything arrived the next morning, well done logistics.",
      "Shipping has been reliable again these last weeks, great job.",
    ],
  },
  price: {
    complaint: [
      "The new pricing is hard to justify for a company our size.",
      "Too expensive since the last increase, we are considering leaving. Disappointing.",
      "Our renewal quote went up 20 percent, that is not value for money.",
      "Costs keep creeping up while the features stay the same. Frustrating.",
      "Overpriced compared to what competitors offer now. Disappointed.",
    ],
    passive: ["Okay overall, but the price is getting steep."],
    praise: ["Fair price for what we get, good value for money.", "Pricing is clear and competitive."],
  },
  support: {
    complaint: [
      "Support took three days to reply and the ticket is still open. Poor.",
      "Waited forever on the phone and the agent could not answer my question. Useless.",
      "Nobody from customer service got back to us about the missing items.",
      "Support keeps closing our tickets while the problem stays. Frustrating.",
    ],
    passive: ["Solid product, support is sometimes hard to reach."],
    praise: [
      "The support agent solved our issue within an hour.",
      "Quick answer from support, thank you.",
      "Customer service was patient and really knew the product, thank you.",
    ],
  },
  app: {
    complaint: [
      "The app crashes every time I open the order history. Terrible.",
      "The new interface is confusing and reports are hard to find.",
      "Loading the dashboard takes forever, the app is painfully slow.",
      "Navigation in the mobile app is complicated since the redesign. Annoying.",
    ],
    passive: ["Works fine, the app could be more intuitive."],
    praise: [
      "The app is easy to use and the new dashboard is intuitive.",
      "Reordering in the app is quick and intuitive. Love it.",
    ],
  },
  billing: {
    complaint: [
      "We were charged twice this month and the refund is still pending.",
      "The invoice had the wrong VAT number again.",
      "Our subscription renewed at a higher rate with no warning. Unfair.",
      "Payment failed three times and nobody explained why.",
    ],
    passive: ["Fine, though the invoice layout is hard to read."],
    praise: ["Invoices are clear and payment is simple."],
  },
  quality: {
    complaint: [
      "Two of the units were broken out of the box.",
      "The parts feel flimsy and one stopped working after a week.",
      "Quality has dropped noticeably, several items were defective.",
    ],
    passive: ["Quality is acceptable, nothing more."],
    praise: ["Great quality, the equipment works great every day.", "Solid build quality and very durable."],
  },
};

/** Plans by segment, as a sales team would sell them. */
const PLANS: Record<Segment, string> = { enterprise: "enterprise", "mid-market": "business", smb: "starter" };

/** Values scale by segment; nine renew within 60 days, five of those accounts are souring. */
const CUSTOMERS: readonly DemoCustomer[] = [
  account("northwind-logistics", "Northwind Logistics", "Ingrid Larsen", "enterprise", 240_000, "EUR", 18, "souring"),
  account("helix-pharma", "Helix Pharma", "Daniel Okafor", "enterprise", 185_000, "USD", 140, "loyal"),
  account("meridian-retail", "Meridian Retail Group", "Sofia Marques", "enterprise", 150_000, "EUR", 26, "souring"),
  account("oakridge-hospitals", "Oakridge Hospitals", "Michael Brandt", "enterprise", 120_000, "USD", 45, "steady"),
  account("polaris-freight", "Polaris Freight", "Hannah Svensson", "enterprise", 95_000, "EUR", 210, "steady"),
  account("summit-engineering", "Summit Engineering", "Raj Patel", "enterprise", 80_000, "USD", 300, "loyal"),
  account("aurora-telecom", "Aurora Telecom", "Claire Dubois", "enterprise", 65_000, "EUR", 175, "loyal"),
  account("blue-harbor-hotels", "Blue Harbor Hotels", "Tom Gallagher", "enterprise", 52_000, "USD", 95, "steady"),
  account("copperleaf-studios", "Copperleaf Studios", "Mia Schneider", "mid-market", 48_000, "EUR", 12, "souring"),
  account("fjord-outdoor", "Fjord Outdoor", "Lars Nilsen", "mid-market", 41_000, "EUR", 230, "loyal"),
  account("kestrel-analytics", "Kestrel Analytics", "Priya Sharma", "mid-market", 36_000, "USD", 52, "steady"),
  account("lumen-dental", "Lumen Dental", "Emma Walsh", "mid-market", 31_000, "EUR", 160, "steady"),
  account(
    "maple-pine-interiors",
    "Maple & Pine Interiors",
    "Noah Tremblay",
    "mid-market",
    27_500,
    "USD",
    120,
    "steady",
  ),
  account("nimbus-travel", "Nimbus Travel", "Lucia Romano", "mid-market", 24_000, "EUR", 33, "steady"),
  account("orchard-lane-bakeries", "Orchard Lane Bakeries", "Grace Kim", "mid-market", 19_000, "USD", 280, "loyal"),
  account("quarry-fitness", "Quarry Fitness", "Jonas Weber", "mid-market", 16_500, "EUR", 75, "steady"),
  account("riverside-veterinary", "Riverside Veterinary", "Olivia Brown", "mid-market", 13_000, "USD", 200, "steady"),
  account("tidewater-marine", "Tidewater Marine", "Erik Johansson", "mid-market", 11_000, "EUR", 340, "steady"),
  account("bean-there-cafe", "Bean There Café", "Chloé Martin", "smb", 9_600, "EUR", 21, "souring"),
  account("clover-florists", "Clover Florists", "Aoife Byrne", "smb", 8_400, "EUR", 150, "steady"),
  account("driftwood-surf", "Driftwood Surf Shop", "Kai Nakamura", "smb", 7_200, "USD", 58, "steady"),
  account("ember-yoga", "Ember Yoga", "Leila Haddad", "smb", 6_000, "USD", 260, "loyal"),
  account("fernhill-books", "Fernhill Bookshop", "Oliver Hughes", "smb", 5_400, "EUR", 110, "steady"),
  account("golden-crust-pizza", "Golden Crust Pizza", "Marco Bianchi", "smb", 4_800, "EUR", 190, "steady"),
  account("harbor-light-cycles", "Harbor Light Cycles", "Ben Carter", "smb", 4_200, "USD", 9, "souring"),
  account("indigo-print", "Indigo Print Co.", "Ana Costa", "smb", 3_600, "EUR", 240, "steady"),
  account("juniper-tea", "Juniper Tea House", "Mei Lin", "smb", 3_000, "USD", 320, "loyal"),
  account("little-fox-toys", "Little Fox Toys", "Sarah Fischer", "smb", 2_400, "EUR", 130, "steady"),
  account("moss-stone-landscaping", "Moss & Stone Landscaping", "Liam Murphy", "smb", 1_800, "EUR", 85, "steady"),
  account("nordic-knit", "Nordic Knit", "Freya Andersen", "smb", 1_200, "EUR", 170, "steady"),
];

function account(
  id: string,
  name: string,
  contact: string,
  segment: Segment,
  annualValue: number,
  currency: "EUR" | "USD",
  renewsInDays: number,
  health: Health,
): DemoCustomer {
  return { id, name, contact, segment, annualValue, currency, renewsInDays, health };
}

/**
 * What support and logistics saw outside of surveys, besides a monthly order per account:
 * tickets pile up at the souring accounts (churn risk counts tickets of the last 30 days).
 */
const EXTRA_EVENTS: readonly {
  customer: string;
  type: "support-ticket" | "return" | "plan-change";
  daysAgo: number;
}[] = [
  { customer: "northwind-logistics", type: "support-ticket", daysAgo: 3 },
  { customer: "northwind-logistics", type: "support-ticket", daysAgo: 11 },
  { customer: "northwind-logistics", type: "support-ticket", daysAgo: 24 },
  { customer: "meridian-retail", type: "support-ticket", daysAgo: 5 },
  { customer: "meridian-retail", type: "support-ticket", daysAgo: 17 },
  { customer: "meridian-retail", type: "return", daysAgo: 30 },
  { customer: "copperleaf-studios", type: "support-ticket", daysAgo: 2 },
  { customer: "copperleaf-studios", type: "support-ticket", daysAgo: 9 },
  { customer: "bean-there-cafe", type: "support-ticket", daysAgo: 6 },
  { customer: "bean-there-cafe", type: "return", daysAgo: 20 },
  { customer: "harbor-light-cycles", type: "support-ticket", daysAgo: 4 },
  { customer: "harbor-light-cycles", type: "support-ticket", daysAgo: 13 },
  { customer: "oakridge-hospitals", type: "support-ticket", daysAgo: 8 },
  { customer: "kestrel-analytics", type: "support-ticket", daysAgo: 15 },
  { customer: "clover-florists", type: "return", daysAgo: 33 },
  { customer: "fjord-outdoor", type: "plan-change", daysAgo: 27 },
];
/** Days ago of each account's monthly orders within the six weeks. */
const ORDER_DAYS = [38, 8];

/** What an agent writes when they have reached the customer, by the theme the case is about. */
const CONTACT_NOTES: Record<string, string> = {
  delivery: "Called the customer: the carrier lost two parcels during the warehouse move; replacements ship today.",
  price: "Walked them through the new price list; the account manager is preparing a multi-year offer.",
  support: "Apologised for the slow replies and gave them a direct line to the support lead.",
  usability: "Booked a screen-share to show where the reports moved in the new layout.",
  performance: "Reproduced the crash on their device; a fix is in the next app release.",
  billing: "Confirmed the duplicate charge with finance; the refund goes out this week.",
  "product quality": "Arranged a replacement for the faulty units and asked QA to check the batch.",
};
const DEFAULT_NOTE = "Reached the customer by phone and agreed on next steps.";
const ROOT_CAUSES: Record<string, string> = {
  delivery: "Carrier capacity during the warehouse move",
  price: "Price increase not explained to existing accounts",
  support: "Support understaffed during the holiday rota",
  usability: "Reports moved in the redesign without guidance",
  performance: "App release 4.2 crash on older devices",
  billing: "Payment retry job charged twice",
  "product quality": "Defective batch from a new supplier",
};
const DEFAULT_ROOT_CAUSE = "One-off mistake, fixed with the customer";
/** The newest response cases are worked in this order, so the queue shows each state; the rest stay open. */
const CASE_PLAN: readonly ("contacted" | "resolved")[] = [
  "contacted",
  "resolved",
  "contacted",
  "contacted",
  "resolved",
  "contacted",
  "resolved",
  "contacted",
];

/** Deterministic so two demo runs tell the same story. */
function prng(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}
type Random = () => number;

const pick = <T>(random: Random, items: readonly T[]) => items[Math.floor(random() * items.length)] as T;

function pickWeighted<T>(random: Random, weights: readonly [T, number][]): T {
  let left = random() * weights.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [item, weight] of weights) {
    left -= weight;
    if (left < 0) return item;
  }
  return (weights.at(-1) as [T, number])[0];
}

/** Midnight UTC of `now`'s day: the demo's clock, so every time in it is the same all day. */
export const startOfDay = (now: Date) => new Date(Math.floor(now.getTime() / DAY_MS) * DAY_MS);
const day = (at: Date) => at.toISOString().slice(0, 10);
const TOPICS = Object.keys(COMPLAINT_RATE) as Topic[];
/** This week's mix of complaints: what an account turning sour complains about last. */
const RECENT_COMPLAINTS = TOPICS.map((topic): [Topic, number] => [topic, COMPLAINT_RATE[topic][0] as number]);
const regionOf = (customer: DemoCustomer) => (customer.currency === "EUR" ? "EU" : "US");

export function demoCustomers(today: Date) {
  return CUSTOMERS.map((customer) => {
    // Addresses in plain ASCII: "Chloé" writes as chloe@, which every validator accepts.
    const [first, last] = customer.contact
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .split(" ");
    return {
      id: customer.id,
      email: `${first}.${last}@${customer.id}.example.com`,
      name: customer.name,
      segment: customer.segment,
      plan: PLANS[customer.segment],
      annualValue: customer.annualValue,
      currency: customer.currency,
      renewalDate: day(new Date(today.getTime() + customer.renewsInDays * DAY_MS)),
      attributes: { region: regionOf(customer), contact: customer.contact },
    };
  });
}

/** A complaint about one topic (chosen by this week's rates and this account), or none. */
function complaintTopic(random: Random, customer: DemoCustomer, weeksAgo: number): Topic | undefined {
  const factor = SEGMENT_FACTOR[customer.segment] * HEALTH_FACTOR[customer.health];
  let left = random();
  for (const topic of TOPICS) {
    left -= (COMPLAINT_RATE[topic][weeksAgo] as number) * factor;
    if (left < 0) return topic;
  }
  return undefined;
}

/** One answer: who and when are given; mood, topic, type, score and comment follow the story. */
function answer(random: Random, customer: DemoCustomer, daysAgo: number, turnsSour: boolean) {
  const weeksAgo = Math.floor((daysAgo - 1) / 7);
  const topic = turnsSour ? pickWeighted(random, RECENT_COMPLAINTS) : complaintTopic(random, customer, weeksAgo);
  const mood: Mood = topic ? "complaint" : random() < PASSIVE_SHARE ? "passive" : "praise";
  const about = topic ?? pick(random, TOPICS);
  const type = turnsSour ? "nps" : pickWeighted(random, TYPE_WEIGHTS);
  const touchpoint = pick(random, TOPIC_TOUCHPOINTS[about]);
  const withComment = turnsSour || random() < COMMENT_SHARE[mood];
  return {
    type,
    score: pick(random, SCORES[type][mood]),
    ...(withComment ? { comment: pick(random, COMMENTS[about][mood]) } : {}),
    ...(SURVEYS.find((survey) => survey.touchpoint === touchpoint) as (typeof SURVEYS)[number]),
  };
}

/**
 * The answers, oldest first with ids `demo-1` … `demo-450` in that order (so the last id is the
 * newest answer): who answers and when is drawn first, so each souring account's last answer can
 * be made its detractor.
 */
export function demoResponses(now = new Date()) {
  const random = prng(12);
  const today = startOfDay(now);
  const slots = Array.from({ length: RESPONSE_COUNT }, () => {
    const customer = pick(random, CUSTOMERS);
    const daysAgo = 1 + Math.floor(random() * DAYS);
    // Office hours, 07:00-19:00 UTC.
    const at = today.getTime() - daysAgo * DAY_MS + (7 + random() * 12) * 3_600_000;
    return { customer, daysAgo, at: Math.floor(at / 1000) * 1000 };
  }).sort((a, b) => a.at - b.at);
  const lastSlot = new Map(slots.map((slot, index) => [slot.customer.id, index]));
  return slots.map((slot, index) => {
    const turnsSour = slot.customer.health === "souring" && lastSlot.get(slot.customer.id) === index;
    return {
      id: `demo-${index + 1}`,
      ...answer(random, slot.customer, slot.daysAgo, turnsSour),
      customer: { id: slot.customer.id },
      submittedAt: new Date(slot.at).toISOString(),
      attributes: { region: regionOf(slot.customer), plan: PLANS[slot.customer.segment] },
      locale: "en",
    };
  });
}

/** Operational events with stable ids: a monthly order per account, then the tickets, returns and plan changes. */
export function demoEvents(now = new Date()) {
  const today = startOfDay(now).getTime();
  const at = (daysAgo: number) => new Date(today - daysAgo * DAY_MS + 10 * 3_600_000).toISOString();
  const orders = CUSTOMERS.flatMap((customer) =>
    ORDER_DAYS.map((daysAgo) => ({
      customer: customer.id,
      event: {
        type: "purchase" as const,
        time: at(daysAgo),
        amount: Math.round(customer.annualValue / 12),
        currency: customer.currency,
      },
    })),
  );
  const others = EXTRA_EVENTS.map(({ customer, type, daysAgo }) => ({ customer, event: { type, time: at(daysAgo) } }));
  return [...orders, ...others].map(({ customer, event }, index) => ({
    customer,
    event: { id: `demo-event-${index + 1}`, ...event },
  }));
}

// biome-ignore lint/suspicious/noExplicitAny: answers are parsed JSON read field by field
type Json = any;
type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: Json }>;
type Log = (line: string) => void;

function apiClient(baseUrl: string, apiKey: string): Api {
  const headers = { authorization: `Bearer ${apiKey}`, "content-type": "application/json" };
  return async (method, path, body) => {
    const answer = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: answer.status, body: await answer.json().catch(() => null) };
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` says yes; false after `timeoutMs`. */
async function waitUntil(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 250) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(intervalMs);
  }
}

/** Fails loudly: a demo that half worked would leave the console misleading. */
function expectOk(answer: { status: number; body: Json }, what: string) {
  if (answer.status >= 400)
    throw new Error(`${what} answered ${answer.status}: ${answer.body?.error?.message ?? "no message"}`);
  return answer.body;
}

async function importCustomers(api: Api, today: Date, log: Log) {
  const customers = demoCustomers(today);
  const body = expectOk(await api("POST", "/v1/customers/batch", { customers }), "POST /v1/customers/batch");
  const count = (status: string) => body.results.filter((result: Json) => result.status === status).length;
  log(`demo: ${customers.length} customer profiles: ${count("created")} created, ${count("updated")} updated`);
  for (const result of body.results.filter((item: Json) => item.status === "rejected"))
    log(`demo: profile ${customers[result.index]?.id} rejected: ${result.error?.message}`);
}

async function postResponses(api: Api, responses: readonly unknown[], log: Log) {
  log(`demo: posting ${responses.length} responses from the last ${DAYS} days…`);
  const tally = { accepted: 0, earlier: 0, rejected: 0 };
  for (let start = 0; start < responses.length; start += BATCH_SIZE) {
    const batch = { responses: responses.slice(start, start + BATCH_SIZE) };
    const body = expectOk(await api("POST", "/v1/responses/batch", batch), "POST /v1/responses/batch");
    for (const result of body.results) {
      if (result.status === "accepted") tally.accepted++;
      // The same ids with other times: an earlier day's run stored them.
      else if (result.error?.code === "idempotency_conflict") tally.earlier++;
      else {
        tally.rejected++;
        log(`demo: response ${start + result.index + 1} rejected: ${result.error?.message}`);
      }
    }
  }
  const earlier = tally.earlier ? `, ${tally.earlier} already stored by a run on an earlier day` : "";
  // A repeat of an earlier run's answer is accepted again and still stored once.
  log(`demo: ${tally.accepted} accepted${earlier}, ${tally.rejected} rejected (ids stored before count once)`);
}

/** Intake queues what it accepts: wait until enrichment has stored the newest answer. */
async function waitForResponse(api: Api, id: string, log: Log) {
  const stored = await waitUntil(async () => (await api("GET", `/v1/responses/${id}`)).status === 200, 120_000);
  if (!stored) log(`demo: ${id} is still not stored after 2 minutes; carrying on`);
}

/**
 * Cases open asynchronously after their responses are stored: wait until their number has stopped
 * growing for a few seconds (a second run finds it settled at once). Returns the count.
 */
async function waitForCasesToSettle(api: Api, log: Log) {
  const quietMs = 4_000;
  let count = -1;
  let changedAt = Date.now();
  await waitUntil(
    async () => {
      const now = (await api("GET", "/v1/cases/stats")).body?.cases ?? 0;
      if (now !== count) [count, changedAt] = [now, Date.now()];
      return count > 0 && Date.now() - changedAt >= quietMs;
    },
    60_000,
    500,
  );
  log(`demo: ${count} follow-up cases`);
  return count;
}

/**
 * After the cases have opened, so the churn risk each new event recomputes sees the open cases
 * as well as the answers. A repeated id changes nothing.
 */
async function recordEvents(api: Api, now: Date, log: Log) {
  let created = 0;
  const events = demoEvents(now);
  for (const { customer, event } of events) {
    const answer = await api("POST", `/v1/customers/${customer}/events`, event);
    expectOk(answer, `POST /v1/customers/${customer}/events`);
    if (answer.status === 201) created++;
  }
  log(`demo: ${events.length} operational events (orders, support tickets, returns): ${created} new`);
}

/** Schedules to run now rather than wait for: the rollup the metrics API reads, and any risk job. */
const RUN_NOW = [/^MetricsRollupSchedule/, /Risk/i];

async function runSchedules(api: Api, log: Log) {
  const { items } = expectOk(await api("GET", "/_local/schedules"), "GET /_local/schedules");
  const names = (items as { name: string }[]).map((item) => item.name);
  for (const name of names.filter((candidate) => RUN_NOW.some((pattern) => pattern.test(candidate)))) {
    const started = Date.now();
    expectOk(await api("POST", `/_local/schedules/${encodeURIComponent(name)}/invoke`), `invoking ${name}`);
    log(`demo: ran ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }
}

async function allCases(api: Api) {
  const cases: Json[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ limit: "100", ...(cursor ? { cursor } : {}) });
    const body = expectOk(await api("GET", `/v1/cases?${query}`), "GET /v1/cases");
    cases.push(...body.items);
    cursor = body.nextCursor;
  } while (cursor);
  return cases;
}

const responseNumber = (item: Json) => Number(String(item.responseId).replace(/^demo-/, ""));

/**
 * Works the newest response cases as CASE_PLAN says. Chosen from all cases, not only open ones,
 * so a second run picks the same cases, finds them worked and changes nothing.
 */
async function workCases(api: Api, log: Log) {
  const newest = (await allCases(api))
    .filter((item) => /^demo-\d+$/.test(item.responseId ?? ""))
    .sort((a, b) => responseNumber(b) - responseNumber(a));
  const worked = { contacted: 0, resolved: 0 };
  for (const [index, target] of CASE_PLAN.entries()) {
    const item = newest[index];
    if (!item) break;
    const theme = item.response?.themes?.[0] as string | undefined;
    const path = `/v1/cases/${encodeURIComponent(item.id)}`;
    if (item.status === "open") {
      const note = (theme && CONTACT_NOTES[theme]) || DEFAULT_NOTE;
      expectOk(await api("PATCH", path, { status: "contacted", note }), `PATCH ${path}`);
      if (target === "contacted") worked.contacted++;
    }
    if (target === "resolved" && (item.status === "open" || item.status === "contacted")) {
      const rootCause = (theme && ROOT_CAUSES[theme]) || DEFAULT_ROOT_CAUSE;
      expectOk(await api("PATCH", path, { status: "resolved", rootCause }), `PATCH ${path}`);
      worked.resolved++;
    }
  }
  log(`demo: worked cases: ${worked.contacted} marked contacted, ${worked.resolved} resolved`);
}

const money = (amount: number, currency: string) =>
  new Intl.NumberFormat("en", { style: "currency", currency, maximumFractionDigits: 0 }).format(amount);

async function summarize(api: Api, today: Date, log: Log) {
  const range = new URLSearchParams({ from: day(new Date(today.getTime() - DAYS * DAY_MS)), to: day(today) });
  const metrics = expectOk(await api("GET", `/v1/metrics?${range}`), "GET /v1/metrics");
  log(`demo: NPS over the six weeks: ${metrics.nps.score} (${metrics.nps.responses} answers)`);
  const revenue = expectOk(await api("GET", "/v1/revenue-at-risk"), "GET /v1/revenue-at-risk");
  const totals = (revenue.revenueAtRisk as Json[]).map((entry) => money(entry.total, entry.currency)).join(" + ");
  log(`demo: ${revenue.customersAtRisk} customers at risk, revenue at risk ${totals || "none"}`);
}

/** Two action plans against the demo's worst themes, started three weeks ago; a second run adds none. */
async function startActionPlans(api: Api, today: Date, log: Log) {
  const daysFromToday = (days: number) => day(new Date(today.getTime() + days * DAY_MS));
  const plans = [
    {
      title: "Fix late deliveries with the new carrier",
      owner: "logistics",
      theme: "delivery",
      filter: { survey: "post-purchase" },
      metric: "nps",
      target: { value: 40, by: daysFromToday(30) },
      startsAt: daysFromToday(-21),
      status: "active",
    },
    {
      title: "Answer support chats within an hour",
      owner: "support-leads",
      theme: "support",
      filter: { survey: "support-follow-up" },
      metric: "nps",
      target: { value: 60, by: daysFromToday(45) },
      startsAt: daysFromToday(-14),
      status: "active",
    },
  ];
  const existing = expectOk(await api("GET", "/v1/action-plans"), "GET /v1/action-plans").items as Json[];
  const titles = new Set(existing.map((plan) => plan.title));
  for (const plan of plans.filter((candidate) => !titles.has(candidate.title))) {
    const created = expectOk(await api("POST", "/v1/action-plans", plan), "POST /v1/action-plans");
    log(`demo: action plan "${plan.title}" (${plan.owner}): ${created.effect.target.track}`);
  }
}

export async function runDemo(options: { baseUrl: string; apiKey: string; log: (line: string) => void }) {
  const { baseUrl, log } = options;
  const api = apiClient(baseUrl, options.apiKey);
  const now = new Date();
  const today = startOfDay(now);
  const responses = demoResponses(now);
  // Profiles first: enrichment copies segment and value into each answer as it is stored.
  await importCustomers(api, today, log);
  await postResponses(api, responses, log);
  await waitForResponse(api, (responses.at(-1) as { id: string }).id, log);
  await waitForCasesToSettle(api, log);
  await recordEvents(api, now, log);
  await runSchedules(api, log);
  await workCases(api, log);
  await startActionPlans(api, today, log);
  await summarize(api, today, log);
  const souring = CUSTOMERS.filter((customer) => customer.health === "souring").map((customer) => customer.id);
  log(`demo: look up ${souring.slice(0, 2).join(" or ")} under Customers to see a renewal at risk`);
  log(`demo: open ${baseUrl}/_local/sign-in?user=demo&role=admin to see it in the console`);
}
