import { Link } from "wouter-preact";
import { Page } from "../components/page";

export const NotFoundPage = () => (
  <Page title="Page not found">
    <p>
      There is no page at this address. Go to the <Link href="/">overview</Link>.
    </p>
  </Page>
);
