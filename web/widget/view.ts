import { type Messages, pointLabels } from "../../lambdas/contracts/survey-messages";
import type { Delivery } from "./api";
import type { Survey } from "./submission";

/** An element built node by node: no markup strings, so nothing needs `unsafe-inline` and no text is ever parsed. */
function h<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export interface WidgetOptions {
  survey: Survey;
  messages: Messages;
  language: string;
  submit(answer: { score: number; comment: string }): Promise<Delivery>;
}

/**
 * The question, then (once a score is picked) the comment and Send, then the thank-you. Ids are the shadow
 * root's own, so they meet no id of the host page. Focus follows each step: to the comment when it appears, to
 * the thank-you when the form goes; the status line announces sending and thanks, the alert a refusal.
 */
export function renderWidget(root: ShadowRoot, { survey, messages, language, submit }: WidgetOptions) {
  const { min, max } = survey.scale;
  const labels = pointLabels(messages, survey.type, min, max);
  const buttons = labels.map((label, index) => {
    const score = min + index;
    const button = h("button", { type: "button", class: "score", "aria-pressed": "false" }, String(score));
    // NPS buttons are named by their number alone; a named point of a CSAT or CES scale says what it means.
    if (survey.type !== "nps" && label) button.setAttribute("aria-label", `${score} – ${label}`);
    button.addEventListener("click", () => pick(score));
    return button;
  });

  const comment = h("textarea", { id: "comment", rows: "3", maxlength: "5000", "aria-describedby": "optional" });
  const sendButton = h("button", { type: "submit", class: "send" }, messages.send);
  const alert = h("p", { role: "alert", class: "alert" });
  const details = h(
    "div",
    { class: "details" },
    h("label", { for: "comment" }, messages.comment),
    h("span", { id: "optional", class: "hint" }, messages.optional),
    comment,
    sendButton,
    alert,
  );
  const form = h(
    "form",
    { class: "form" },
    h("p", { id: "question", class: "question" }, messages.question[survey.type]),
    h("div", { role: "group", class: "scores", "aria-labelledby": "question", "aria-describedby": "ends" }, ...buttons),
    h("p", { id: "ends", class: "ends" }, h("span", {}, labels[0] ?? ""), h("span", {}, labels.at(-1) ?? "")),
  );
  const status = h("p", { role: "status", class: "status" });
  root.append(h("div", { class: "widget", lang: language }, form, status));

  let chosen: number | undefined;
  function pick(score: number) {
    const first = chosen === undefined;
    chosen = score;
    buttons.forEach((button, index) => {
      button.setAttribute("aria-pressed", String(min + index === score));
    });
    if (first) {
      form.append(details);
      comment.focus();
    }
  }

  let sending = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending || chosen === undefined) return;
    sending = true;
    sendButton.setAttribute("aria-disabled", "true");
    alert.textContent = "";
    status.textContent = messages.sending;
    const delivery = await submit({ score: chosen, comment: comment.value });
    sending = false;
    sendButton.removeAttribute("aria-disabled");
    if (delivery.outcome === "refused") {
      status.textContent = "";
      alert.textContent = `${messages.refused} ${delivery.reason}`;
      return;
    }
    // Only a widget that had focus takes it: whoever moved on while it sent keeps theirs.
    const hadFocus = root.activeElement !== null;
    form.remove();
    status.textContent = delivery.outcome === "accepted" ? messages.thanks : messages.queued;
    status.tabIndex = -1;
    if (hadFocus) status.focus();
  });
}
