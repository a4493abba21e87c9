import { roles } from "../lambdas/contracts/auth";
import { escapeHtml } from "../lambdas/core/escape";

/** Where to land after signing in: a path on this origin only, so the page can't be used to bounce a token elsewhere. */
export function landingPath(next: string | null): string {
  return next && /^\/(?![/\\])[^\s#]*$/.test(next) ? next : "/";
}

/**
 * The local sign-in: pick a name and a role, no password (the runtime serves this machine only). The form
 * submits to the same page, which issues a token and hands it to the console in the URL fragment, so it
 * never reaches a server log.
 */
export function signInPage(options: { next: string; problem?: string; user?: string }): string {
  const roleOptions = roles
    .map((role) => `<option value="${role}"${role === "agent" ? " selected" : ""}>${role}</option>`)
    .join("");
  const problem = options.problem ? `<p role="alert" class="problem">${escapeHtml(options.problem)}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · cxloop (local)</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #f4f5f7; color: #1d2330; margin: 0; }
  main { max-width: 24rem; margin: 10vh auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 3px #0002; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input, select, button { font: inherit; width: 100%; box-sizing: border-box; padding: .5rem; margin-top: .25rem; }
  button { margin-top: 1.5rem; background: #1f4fd1; color: #fff; border: 0; border-radius: 6px; cursor: pointer; }
  .hint { color: #4a5263; font-size: .9rem; }
  .problem { color: #a11; }
</style>
</head>
<body>
<main>
  <h1>Sign in to cxloop</h1>
  <p class="hint">Local runtime: no password. On AWS people sign in through the Cognito user pool.</p>
  ${problem}
  <form method="get" action="/_local/sign-in">
    <input type="hidden" name="next" value="${escapeHtml(options.next)}">
    <label for="user">Name</label>
    <input id="user" name="user" required maxlength="64" autocomplete="username" value="${escapeHtml(options.user ?? "")}">
    <label for="role">Role</label>
    <select id="role" name="role">${roleOptions}</select>
    <button type="submit">Sign in</button>
  </form>
</main>
</body>
</html>`;
}
