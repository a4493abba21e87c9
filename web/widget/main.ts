/**
 * widget.js: `<script src="https://<cxloop>/v1/widget.js" data-key data-survey data-type …>` shows the question
 * right after the script tag, in a shadow root. It talks to nothing but the API beside it, sets no cookie, and runs
 * under a strict Content-Security-Policy (no eval, no inline style or handler: DOM and a constructable stylesheet).
 */

import { languageFor, MESSAGES } from "../../lambdas/contracts/survey-messages";
import { mayAsk, resendPending, send } from "./api";
import styles from "./styles.css";
import { type Survey, submissionOf, surveyOf } from "./submission";
import { renderWidget } from "./view";

/** The host element's name: a custom one, so no rule the page has for `div` or `section` applies to it. */
const HOST_TAG = "cxloop-survey";

async function start(script: HTMLScriptElement) {
  let survey: Survey;
  try {
    survey = surveyOf(script.dataset);
  } catch (error) {
    console.error(`cxloop widget: ${(error as Error).message}`);
    return;
  }
  // The API is beside the script: next to <base>/v1/widget.js, "responses" is <base>/v1/responses.
  const endpoint = new URL("responses", script.src).href;
  void resendPending(endpoint);
  if (survey.customer) {
    const { id, signature } = survey.customer;
    const eligibility = new URL("survey-eligibility", script.src);
    eligibility.search = new URLSearchParams({
      survey: survey.survey,
      customerId: id,
      // A stage that requires signed customer ids asks for the signature here too.
      ...(signature ? { signature } : {}),
    }).toString();
    if (!(await mayAsk(eligibility, survey.key))) return;
  }

  const language = languageFor([script.dataset.locale, ...navigator.languages]);
  const host = document.createElement(HOST_TAG);
  const root = host.attachShadow({ mode: "open" });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(styles);
  root.adoptedStyleSheets = [sheet];
  renderWidget(root, {
    survey,
    messages: MESSAGES[language],
    language,
    submit: (answer) =>
      send({ endpoint, key: survey.key, body: submissionOf(survey, answer, language), queuedAt: Date.now() }),
  });
  script.after(host);
}

// Read now: `currentScript` names this script only while it runs. Browsers without constructable stylesheets
// (before Safari 16.4, Firefox 101) get no widget rather than an unstyled one or a <style> a strict CSP refuses.
const script = document.currentScript;
if (script instanceof HTMLScriptElement && "adoptedStyleSheets" in ShadowRoot.prototype) void start(script);
