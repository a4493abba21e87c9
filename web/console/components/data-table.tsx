import type { ComponentChildren } from "preact";

export interface Column<T> {
  header: string;
  cell: (row: T) => ComponentChildren;
  /** Right-aligned, tabular figures. */
  numeric?: boolean;
  /** Left out on narrow screens, so the table fits without scrolling sideways; the detail page has it. */
  secondary?: boolean;
}

interface DataTableProps<T> {
  /** Names the table for screen readers; shown unless `hideCaption` (when a heading above says it already). */
  caption: string;
  hideCaption?: boolean;
  /** The first column names its row (`<th scope="row">`). */
  columns: readonly [Column<T>, ...Column<T>[]];
  rows: readonly T[];
  rowKey: (row: T) => string;
}

export function DataTable<T>({ caption, hideCaption = false, columns, rows, rowKey }: DataTableProps<T>) {
  const [rowHeader, ...rest] = columns;
  const cellClass = (column: Column<T>) =>
    [column.numeric && "numeric", column.secondary && "secondary-column"].filter(Boolean).join(" ") || undefined;
  return (
    <table class="data-table">
      <caption class={hideCaption ? "visually-hidden" : undefined}>{caption}</caption>
      <thead>
        <tr>
          {columns.map((column) => (
            <th scope="col" class={cellClass(column)} key={column.header}>
              {column.header}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            <th scope="row" class={cellClass(rowHeader)}>
              {rowHeader.cell(row)}
            </th>
            {rest.map((column) => (
              <td class={cellClass(column)} key={column.header}>
                {column.cell(row)}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
