import { useState } from "preact/hooks";
import { apiPath } from "../api";
import type { CustomerProfile, CustomerSearch } from "../api-types";
import { type Column, DataTable } from "../components/data-table";
import { Field } from "../components/field";
import { CustomerLink } from "../components/links";
import { Page, Section } from "../components/page";
import { Resource } from "../components/states";
import { formatCount, formatMoney, NONE } from "../format";
import { useApi } from "../use-api";
import { useQueryParams } from "../use-query-params";

const PROFILE_COLUMNS: [Column<CustomerProfile>, ...Column<CustomerProfile>[]] = [
  { header: "Customer", cell: (profile) => <CustomerLink id={profile.id} /> },
  { header: "Name", cell: (profile) => profile.name ?? NONE },
  { header: "Email", cell: (profile) => profile.email ?? NONE },
  { header: "Segment", secondary: true, cell: (profile) => profile.segment ?? NONE },
  { header: "Plan", secondary: true, cell: (profile) => profile.plan ?? NONE },
  {
    header: "Annual value",
    numeric: true,
    secondary: true,
    cell: (profile) =>
      profile.annualValue === undefined ? NONE : formatMoney(profile.annualValue, profile.currency ?? null),
  },
  {
    header: "Open cases",
    numeric: true,
    cell: (profile) => (profile.rollups ? formatCount(profile.rollups.openCases) : NONE),
  },
];

function SearchResults({ q }: { q: string }) {
  const results = useApi<CustomerSearch>(apiPath("/v1/customers", { q }));
  return (
    <Resource
      result={results.result}
      what="customers"
      onRetry={results.reload}
      isEmpty={(found) => found.items.length === 0}
      empty={<>No customer has the id or email “{q}”.</>}
    >
      {(found) => (
        <DataTable
          caption={`Customers matching ${q}`}
          hideCaption
          columns={PROFILE_COLUMNS}
          rows={found.items}
          rowKey={(profile) => profile.id}
        />
      )}
    </Resource>
  );
}

export function CustomersPage() {
  const query = useQueryParams();
  const q = query.read("q") ?? "";
  const [typed, setTyped] = useState(q);
  return (
    <Page title="Customers">
      <search>
        <form
          class="toolbar"
          onSubmit={(event) => {
            event.preventDefault();
            query.update({ q: typed.trim() });
          }}
        >
          <Field label="Search customers">
            {(id) => (
              <input
                id={id}
                type="search"
                value={typed}
                placeholder="Customer id or email"
                onInput={(event) => setTyped(event.currentTarget.value)}
              />
            )}
          </Field>
          <button type="submit" class="button button-primary">
            Search
          </button>
        </form>
      </search>
      <Section title="Results">
        {q === "" ? <p class="state">Enter a customer id or an exact email address.</p> : <SearchResults q={q} />}
      </Section>
    </Page>
  );
}
