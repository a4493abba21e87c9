/**
 * Text that came from respondents or customers, made inert where it is shown. Slack parses `<…>`
 * in mrkdwn (and in a message's fallback text) as links and mentions — `<!channel>`,
 * `<https://evil.example|reset your password>` — and asks for exactly these three entities.
 */
export const escapeSlack = (text: string) =>
  text.replace(/[&<>]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c] as string);

export const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string,
  );
