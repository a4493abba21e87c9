import type { Case, ResponseRecord } from "../api-types";
import { isActive, PRIORITY_LABELS, STATUS_LABELS } from "../case-states";
import { formatScore, NONE, slaCountdown } from "../format";
import { type PagedList, useNow } from "../use-api";
import { type Column, DataTable } from "./data-table";
import { CaseLink, CustomerLink, Time } from "./links";
import { ErrorNotice } from "./states";

/** Where a case stands against its SLA, ticking every minute. */
export function SlaCountdown({ item }: { item: Pick<Case, "status" | "dueAt" | "closedAt"> }) {
  const now = useNow(60_000);
  if (!isActive(item.status)) return <span>closed {item.closedAt && <Time at={item.closedAt} />}</span>;
  const overdue = Date.parse(item.dueAt) < now;
  return <span class={overdue ? "sla-overdue" : undefined}>{slaCountdown(item.dueAt, now)}</span>;
}

const CASE_COLUMNS: readonly [Column<Case>, ...Column<Case>[]] = [
  { header: "Case", cell: (item) => <CaseLink id={item.id} /> },
  { header: "Customer", cell: (item) => <CustomerLink id={item.customerId} name={item.response?.customer?.name} /> },
  { header: "Priority", secondary: true, cell: (item) => PRIORITY_LABELS[item.priority] },
  { header: "Owner", secondary: true, cell: (item) => item.owner },
  { header: "Status", cell: (item) => STATUS_LABELS[item.status] },
  { header: "SLA", cell: (item) => <SlaCountdown item={item} /> },
];

export const CaseTable = ({ caption, cases }: { caption: string; cases: readonly Case[] }) => (
  <DataTable caption={caption} hideCaption columns={CASE_COLUMNS} rows={cases} rowKey={(item) => item.id} />
);

const RESPONSE_COLUMNS: readonly [Column<ResponseRecord>, ...Column<ResponseRecord>[]] = [
  { header: "Submitted", cell: (response) => <Time at={response.submittedAt} /> },
  { header: "Type", secondary: true, cell: (response) => response.type.toUpperCase() },
  { header: "Score", numeric: true, cell: (response) => formatScore(response.score) },
  { header: "Comment", cell: (response) => response.comment ?? NONE },
  { header: "Survey", secondary: true, cell: (response) => response.survey ?? NONE },
];

const CUSTOMER_COLUMN: Column<ResponseRecord> = {
  header: "Customer",
  secondary: true,
  cell: (response) => <CustomerLink id={response.customer?.id ?? null} name={response.customer?.name} />,
};

/** Responses, newest first; `withCustomer` adds who answered (left out on a customer's own page). */
export const ResponseTable = ({
  caption,
  responses,
  withCustomer = false,
}: {
  caption: string;
  responses: readonly ResponseRecord[];
  withCustomer?: boolean;
}) => (
  <DataTable
    caption={caption}
    hideCaption
    columns={withCustomer ? [...RESPONSE_COLUMNS, CUSTOMER_COLUMN] : RESPONSE_COLUMNS}
    rows={responses}
    rowKey={(response) => response.id}
  />
);

/** "Load more" under a cursor-paginated list, while there is a next page. */
export function LoadMore({ list }: { list: PagedList<unknown> }) {
  const hasMore = list.result.status === "ready" && list.result.data.nextCursor !== null;
  return (
    <>
      {list.loadMoreError !== null && <ErrorNotice error={list.loadMoreError} onRetry={list.loadMore} />}
      {hasMore && (
        <button
          type="button"
          class="button"
          disabled={list.loadingMore}
          aria-busy={list.loadingMore}
          onClick={list.loadMore}
        >
          Load more
        </button>
      )}
    </>
  );
}
