/**
 * The hosted page of a survey link, rendered on the server: it works from any mail client's browser, with no
 * script at all, and looks like the widget (its palette, its score row, its comment step). Every text that is
 * not ours (a refusal's reason) is escaped.
 */
import { createHash } from "node:crypto";
import {
  type Language,
  LINK_PAGE_MESSAGES,
  languageFor,
  MESSAGES,
  type Messages,
  pointLabels,
} from "../contracts/survey-messages";
import { escapeHtml } from "./escape";
import type { Link, LinkPage } from "./survey-links";

const STYLES = `
body{margin:0;padding:2em 1em;background:#f3f4f6;color:#111827;font:medium/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{box-sizing:border-box;max-width:40em;margin:0 auto;padding:1.25em;border:1px solid #d1d5db;border-radius:8px;background:#fff}
*{box-sizing:border-box}
h1{margin:0 0 .75em;font-size:1.125em;font-weight:600}
.scores{display:grid;grid-template-columns:repeat(auto-fit,minmax(2.75em,1fr));gap:.375em}
button,textarea{font:inherit;color:inherit}
.score{min-height:2.75em;padding:0 .25em;border:1px solid #6b7280;border-radius:6px;background:#fff;cursor:pointer}
.score:hover{border-color:#1d4ed8;background:#eff6ff}
:focus-visible{outline:3px solid #1d4ed8;outline-offset:2px}
.ends{display:flex;justify-content:space-between;gap:1em;margin:.375em 0 0;color:#4b5563;font-size:.875em}
.details{display:grid;gap:.375em;margin-top:1em}
label{font-weight:600}
.hint{color:#4b5563;font-size:.875em}
textarea{width:100%;min-height:5em;padding:.5em;border:1px solid #6b7280;border-radius:6px;background:#fff;resize:vertical}
.send{justify-self:start;margin-top:.375em;padding:.5em 1.25em;border:1px solid #1d4ed8;border-radius:6px;background:#1d4ed8;color:#fff;font-weight:600;cursor:pointer}
.send:hover{background:#1e40af}
.alert{margin:.75em 0 0;padding:.5em .75em;border-radius:6px;background:#fef2f2;color:#991b1b}
.answer{margin:0 0 .5em;color:#4b5563}
`;

const styleHash = createHash("sha256").update(STYLES).digest("base64");

/**
 * The page's headers: its one stylesheet by hash and nothing else may load or run; forms post only back here; the
 * token in the URL goes to no other site and into no cache or search index.
 */
export const SURVEY_PAGE_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": `default-src 'none'; style-src 'sha256-${styleHash}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
  "x-robots-tag": "noindex",
  "x-content-type-options": "nosniff",
} as const;

function document(language: Language, title: string, body: string) {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLES}</style>
</head>
<body><main>${body}</main></body>
</html>`;
}

const alert = (problem: string | undefined, messages: Messages) =>
  problem ? `<p role="alert" class="alert">${escapeHtml(`${messages.refused} ${problem}`)}</p>` : "";

/** The score row as submit buttons of a GET form: choosing one is the same request as the email's one-click link. */
function question(link: Link, messages: Messages, problem?: string) {
  const { min, max } = link.scale;
  const labels = pointLabels(messages, link.type, min, max);
  const buttons = labels
    .map((label, index) => {
      const score = min + index;
      const name = link.type !== "nps" && label ? ` aria-label="${escapeHtml(`${score} – ${label}`)}"` : "";
      return `<button type="submit" name="score" value="${score}" class="score"${name}>${score}</button>`;
    })
    .join("");
  return `<form method="get">
<h1 id="question">${escapeHtml(messages.question[link.type])}</h1>
<div role="group" class="scores" aria-labelledby="question" aria-describedby="ends">${buttons}</div>
<p id="ends" class="ends"><span>${escapeHtml(labels[0] ?? "")}</span><span>${escapeHtml(labels.at(-1) ?? "")}</span></p>
</form>${alert(problem, messages)}`;
}

function commentStep(
  score: number,
  messages: Messages,
  words: (typeof LINK_PAGE_MESSAGES)[Language],
  problem?: string,
) {
  return `<h1>${escapeHtml(words.recorded)}</h1>
<p class="answer">${escapeHtml(words.yourScore)} ${score}</p>
<form method="post" class="details">
<label for="comment">${escapeHtml(messages.comment)}</label>
<span id="optional" class="hint">${escapeHtml(messages.optional)}</span>
<textarea id="comment" name="comment" rows="4" maxlength="5000" aria-describedby="optional"></textarea>
<button type="submit" class="send">${escapeHtml(messages.send)}</button>
</form>${alert(problem, messages)}`;
}

const notice = (text: string) => `<h1 role="status">${escapeHtml(text)}</h1>`;

/** The status each page is answered with: a link that cannot be answered (any more) is the client's 4xx. */
const STATUS = { thanks: 200, used: 409, expired: 410, forged: 403, unavailable: 503 } as const;

export type PageStatus = 200 | 403 | 409 | 410 | 422 | 503;

export function renderSurveyPage(page: LinkPage): { status: PageStatus; html: string } {
  const language = languageFor([page.kind === "expired" ? page.locale : "link" in page ? page.link.locale : undefined]);
  const messages: Messages = MESSAGES[language];
  const words = LINK_PAGE_MESSAGES[language];
  const html = (body: string) => document(language, words.title, body);
  switch (page.kind) {
    case "question":
      return { status: page.status, html: html(question(page.link, messages, page.problem)) };
    case "comment":
      return { status: page.status, html: html(commentStep(page.score, messages, words, page.problem)) };
    case "thanks":
      return { status: STATUS.thanks, html: html(notice(messages.thanks)) };
    case "used":
      return { status: STATUS.used, html: html(notice(words.used)) };
    case "expired":
      return { status: STATUS.expired, html: html(notice(words.expired)) };
    case "forged":
      return { status: STATUS.forged, html: html(notice(words.forged)) };
    case "unavailable":
      return { status: STATUS.unavailable, html: html(notice(words.unavailable)) };
  }
}

/** A request the page could not even read (a malformed token or form): the refusal, on a page a person understands. */
export const surveyProblemPage = (reason: string) =>
  document("en", LINK_PAGE_MESSAGES.en.title, `${notice(LINK_PAGE_MESSAGES.en.forged)}<p>${escapeHtml(reason)}</p>`);
