import { Page } from "../components/page";
import { ErrorNotice } from "../components/states";
import type { SignInConfig } from "../config";
import { startCognitoSignIn } from "../session";
import { useMutation } from "../use-api";

function SignInButton({ signIn }: { signIn: SignInConfig }) {
  const start = useMutation(startCognitoSignIn);
  if (signIn.kind === "local") {
    return (
      <a class="button button-primary" href={signIn.url}>
        Sign in
      </a>
    );
  }
  return (
    <>
      <button type="button" class="button button-primary" disabled={start.pending} onClick={() => start.run(signIn)}>
        Sign in
      </button>
      {start.error !== null && <ErrorNotice title="Signing in failed." error={start.error} />}
    </>
  );
}

export function SignedOutPage({ signIn, signInError }: { signIn: SignInConfig; signInError: string | null }) {
  return (
    <Page title="Signed out">
      <div class="card signed-out">
        <p>Sign in to see feedback, work cases and look up customers.</p>
        {signInError !== null && <ErrorNotice title="Signing in failed." error={signInError} />}
        <SignInButton signIn={signIn} />
      </div>
    </Page>
  );
}
