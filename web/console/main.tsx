import { render } from "preact";
import { App } from "./app";
import { ErrorNotice } from "./components/states";
import { loadConfig } from "./config";
import { completeSignIn } from "./session";
import "./styles.css";

async function boot(root: HTMLElement) {
  try {
    const config = await loadConfig();
    const signInError = await completeSignIn(config);
    render(<App config={config} signInError={signInError} />, root);
  } catch (error) {
    render(
      <main id="main" class="main">
        <h1>The console cannot start</h1>
        <ErrorNotice error={error} />
      </main>,
      root,
    );
  }
}

const root = document.getElementById("app");
if (root !== null) void boot(root);
