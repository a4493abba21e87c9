/**
 * Posts a realistic stream of feedback to a running cxloop so a new user sees
 * records and events flow: several surveys, touchpoints and channels, promoters
 * and detractors, comments that carry themes.
 */
const SURVEYS = [
  { survey: "post-purchase", touchpoint: "checkout", channel: "web" },
  { survey: "post-purchase", touchpoint: "delivery", channel: "email" },
  { survey: "support-follow-up", touchpoint: "support-chat", channel: "support" },
  { survey: "relationship", touchpoint: "account", channel: "email" },
  { survey: "app-feedback", touchpoint: "mobile-app", channel: "app" },
  { survey: "store-visit", touchpoint: "store", channel: "kiosk" },
] as const;

const COMMENTS = {
  positive: [
    "Delivery was fast and the parcel arrived in perfect condition.",
    "The support agent was friendly and solved my problem in minutes.",
    "Great quality, easy to use, would recommend to friends.",
    "Checkout was quick and the price was fair.",
  ],
  negative: [
    "Delivery was a week late and nobody answered my emails.",
    "Way too expensive for what you get, and the refund took forever.",
    "The app keeps crashing at checkout, very frustrating.",
    "Support was rude and my ticket is still open.",
    "I was charged twice and the invoice is wrong.",
  ],
  neutral: ["It was fine.", "Ordered a replacement part.", "Nothing special to report."],
};

/** Deterministic so two demo runs tell the same story. */
function prng(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

export function demoResponses(count = 60, now = new Date()) {
  const random = prng(42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)] as T;
  return Array.from({ length: count }, (_, index) => {
    const context = pick(SURVEYS);
    const type = pick(["nps", "nps", "nps", "csat", "ces", "comment"] as const);
    const mood = random();
    const comment =
      mood < 0.35 ? pick(COMMENTS.negative) : mood < 0.8 ? pick(COMMENTS.positive) : pick(COMMENTS.neutral);
    const negative = COMMENTS.negative.includes(comment);
    const score =
      type === "nps"
        ? negative
          ? Math.floor(random() * 7)
          : 7 + Math.floor(random() * 4)
        : type === "csat"
          ? negative
            ? 1 + Math.floor(random() * 2)
            : 4 + Math.floor(random() * 2)
          : type === "ces"
            ? negative
              ? 1 + Math.floor(random() * 3)
              : 5 + Math.floor(random() * 3)
            : undefined;
    const submittedAt = new Date(now.getTime() - Math.floor(random() * 14 * 86_400_000)).toISOString();
    return {
      id: `demo-${index + 1}`,
      type,
      ...(score !== undefined ? { score } : {}),
      ...(type === "comment" || random() < 0.8 ? { comment } : {}),
      ...context,
      customer: { id: `c-${100 + Math.floor(random() * 25)}` },
      submittedAt,
      attributes: { region: pick(["EU", "US", "APAC"]), plan: pick(["free", "pro", "enterprise"]) },
      locale: "en",
    };
  });
}

export async function runDemo(options: { baseUrl: string; apiKey: string; log: (line: string) => void }) {
  const headers = { authorization: `Bearer ${options.apiKey}`, "content-type": "application/json" };
  const responses = demoResponses();
  options.log(`demo: posting ${responses.length} sample responses…`);
  for (let start = 0; start < responses.length; start += 20) {
    const answer = await fetch(`${options.baseUrl}/v1/responses/batch`, {
      method: "POST",
      headers,
      body: JSON.stringify({ responses: responses.slice(start, start + 20) }),
    });
    const body = (await answer.json()) as { accepted?: number; rejected?: number };
    options.log(`demo: batch ${start / 20 + 1}: ${body.accepted ?? 0} accepted, ${body.rejected ?? 0} rejected`);
  }
  const last = responses.at(-1)?.id as string;
  for (let attempt = 0; attempt < 50; attempt++) {
    const answer = await fetch(`${options.baseUrl}/v1/responses/${last}`, { headers });
    if (answer.ok) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const list = await fetch(`${options.baseUrl}/v1/responses?category=detractor&limit=3`, { headers });
  const detractors = (await list.json()) as { items: { id: string; score: number; themes: string[] }[] };
  options.log("demo: done. Latest detractors:");
  for (const item of detractors.items ?? [])
    options.log(`  ${item.id}  score ${item.score}  themes ${item.themes.join(", ") || "-"}`);
  options.log(`demo: browse ${options.baseUrl}/v1/responses with the API key above.`);
}
