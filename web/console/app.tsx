import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { Link, Route, Switch, useLocation } from "wouter-preact";
import type { Me } from "./api-types";
import { Page } from "./components/page";
import { ErrorNotice, LoadingState } from "./components/states";
import type { ConsoleConfig } from "./config";
import { describeRole, MeContext } from "./me";
import { ActionPlansPage } from "./pages/action-plans";
import { CasePage } from "./pages/case";
import { CasesPage } from "./pages/cases";
import { CustomerPage } from "./pages/customer";
import { CustomersPage } from "./pages/customers";
import { DriversPage, ThemeResponsesPage } from "./pages/drivers";
import { NotFoundPage } from "./pages/not-found";
import { OverviewPage } from "./pages/overview";
import { RulesPage } from "./pages/rules";
import { SignedOutPage } from "./pages/signed-out";
import { onSignedOut, readToken, signOut } from "./session";
import { useApi } from "./use-api";

const NAVIGATION = [
  { href: "/", label: "Overview" },
  { href: "/drivers", label: "Drivers" },
  { href: "/cases", label: "Cases" },
  { href: "/customers", label: "Customers" },
  { href: "/action-plans", label: "Action plans" },
  { href: "/rules", label: "Rules" },
] as const;

/** A section's link is current on its own page and on the pages under it (a case under Cases). */
const isCurrent = (href: string, location: string) =>
  href === "/" ? location === "/" : location === href || location.startsWith(`${href}/`);

function MainNavigation() {
  const [location] = useLocation();
  return (
    <nav class="sidebar" aria-label="Main">
      <ul>
        {NAVIGATION.map(({ href, label }) => (
          <li key={href}>
            <Link href={href} class="nav-link" aria-current={isCurrent(href, location) ? "page" : undefined}>
              {label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Layout({ header, children }: { header?: ComponentChildren; children: ComponentChildren }) {
  return (
    <div class="layout">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">cxloop</span>
        {header}
      </header>
      {children}
    </div>
  );
}

const Main = ({ children }: { children: ComponentChildren }) => (
  <main id="main" class="main" tabIndex={-1}>
    {children}
  </main>
);

function Routes() {
  return (
    <Switch>
      <Route path="/" component={OverviewPage} />
      <Route path="/drivers" component={DriversPage} />
      <Route path="/drivers/:theme" component={ThemeResponsesPage} />
      <Route path="/cases" component={CasesPage} />
      <Route path="/cases/:id" component={CasePage} />
      <Route path="/customers" component={CustomersPage} />
      <Route path="/customers/:id" component={CustomerPage} />
      <Route path="/action-plans" component={ActionPlansPage} />
      <Route path="/rules" component={RulesPage} />
      <Route component={NotFoundPage} />
    </Switch>
  );
}

function SignedIn({ config }: { config: ConsoleConfig }) {
  const me = useApi<Me>("/v1/me");
  if (me.result.status !== "ready") {
    return (
      <Layout>
        <Main>
          <Page title="Your account">
            {me.result.status === "loading" ? (
              <LoadingState what="your account" />
            ) : (
              <ErrorNotice error={me.result.error} onRetry={me.reload} />
            )}
          </Page>
        </Main>
      </Layout>
    );
  }
  const person = me.result.data;
  return (
    <MeContext.Provider value={person}>
      <Layout
        header={
          <div class="account">
            <span class="account-name">{person.name}</span>
            <span class="badge">{describeRole(person)}</span>
            <button type="button" class="button" onClick={() => signOut(config.signIn)}>
              Sign out
            </button>
          </div>
        }
      >
        <div class="workspace">
          <MainNavigation />
          <Main>
            <Routes />
          </Main>
        </div>
      </Layout>
    </MeContext.Provider>
  );
}

/** Signed in while there is a token; the API refusing it (401) or signing out drops it and shows the way back in. */
export function App({ config, signInError }: { config: ConsoleConfig; signInError: string | null }) {
  const [token, setToken] = useState(readToken);
  useEffect(() => onSignedOut(() => setToken(null)), []);
  if (token !== null) return <SignedIn config={config} />;
  return (
    <Layout>
      <Main>
        <SignedOutPage signIn={config.signIn} signInError={signInError} />
      </Main>
    </Layout>
  );
}
