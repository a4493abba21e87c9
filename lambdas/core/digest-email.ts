import mjml2html from "mjml";
import { escapeHtml } from "./escape";

export type Tone = "better" | "worse" | "noise" | "insufficient" | "none";

/** One KPI tile: the score, its answers, and what its change means. */
export interface Tile {
  label: string;
  value: string;
  responses: number;
  change: string;
  tone: Tone;
}

export interface DriverLine {
  theme: string;
  detail: string;
  quote: string | null;
}

/** Everything the digest shows, already worded; the email lays it out. */
export interface DigestView {
  headline: string;
  period: string;
  tiles: readonly Tile[];
  chart: { cid: string; alt: string; width: number; height: number } | null;
  drivers: readonly DriverLine[];
  noDrivers: string;
  overdue: readonly { owner: string; cases: number }[];
  overdueSummary: string;
  /** Open action plans, each already worded (`planLine`), by owner. */
  plans: readonly { owner: string; line: string }[];
  noPlans: string;
  revenue: string;
  links: { overview: string; drivers: string; cases: string } | null;
}

/**
 * Light and dark palettes. Gmail and Outlook drop or rewrite `prefers-color-scheme`, so the light colours
 * are chosen to survive their forced inversion; clients that honour the media query (Apple Mail, Outlook.com,
 * iOS) get the dark palette, with `!important` to beat MJML's inline styles.
 */
const LIGHT = { page: "#f3f4f6", card: "#ffffff", ink: "#1f2328", muted: "#57606a", rule: "#d0d7de" };
const DARK = { page: "#0d1117", card: "#161b22", ink: "#e6edf3", muted: "#8b949e", rule: "#30363d" };
const TONE_LIGHT: Record<Tone, string> = {
  better: "#1a7f37",
  worse: "#cf222e",
  noise: LIGHT.muted,
  insufficient: "#9a6700",
  none: LIGHT.muted,
};
const TONE_DARK: Record<Tone, string> = {
  better: "#3fb950",
  worse: "#f85149",
  noise: DARK.muted,
  insufficient: "#d29922",
  none: DARK.muted,
};
const FONT = "-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif";

const darkStyles = `
  :root { color-scheme: light dark; supported-color-schemes: light dark; }
  @media (prefers-color-scheme: dark) {
    .cx-page, .cx-page > div { background: ${DARK.page} !important; }
    .cx-card, .cx-card > table, .cx-card td { background: ${DARK.card} !important; border-color: ${DARK.rule} !important; }
    .cx-ink div, .cx-ink td, .cx-ink th { color: ${DARK.ink} !important; }
    .cx-muted div { color: ${DARK.muted} !important; }
    .cx-quote { border-color: ${DARK.rule} !important; color: ${DARK.muted} !important; }
    ${(Object.keys(TONE_DARK) as Tone[]).map((tone) => `.cx-${tone} div { color: ${TONE_DARK[tone]} !important; }`).join("\n    ")}
  }`;

const tile = (item: Tile) => `
      <mj-column css-class="cx-card" background-color="${LIGHT.card}" border="1px solid ${LIGHT.rule}" padding="12px 8px">
        <mj-text css-class="cx-muted" color="${LIGHT.muted}" font-size="12px" text-transform="uppercase" letter-spacing="1px" padding="0 8px">${escapeHtml(item.label)}</mj-text>
        <mj-text css-class="cx-ink" font-size="30px" font-weight="700" line-height="38px" padding="2px 8px">${escapeHtml(item.value)}</mj-text>
        <mj-text css-class="cx-${item.tone}" color="${TONE_LIGHT[item.tone]}" font-size="13px" font-weight="600" padding="0 8px">${escapeHtml(item.change)}</mj-text>
        <mj-text css-class="cx-muted" color="${LIGHT.muted}" font-size="12px" padding="2px 8px 0">n = ${item.responses}</mj-text>
      </mj-column>`;

const heading = (text: string) =>
  `<mj-text css-class="cx-ink" font-size="17px" font-weight="700" padding="16px 24px 4px">${escapeHtml(text)}</mj-text>`;

const driver = (line: DriverLine, index: number) => `
        <mj-text css-class="cx-ink" padding="8px 24px 0"><strong>${index + 1}. ${escapeHtml(line.theme)}</strong> · ${escapeHtml(line.detail)}</mj-text>${
          line.quote
            ? `
        <mj-text padding="4px 24px 4px 32px"><div class="cx-quote" style="border-left:3px solid ${LIGHT.rule};padding-left:10px;color:${LIGHT.muted};font-style:italic">“${escapeHtml(line.quote)}”</div></mj-text>`
            : ""
        }`;

const overdueTable = (rows: DigestView["overdue"]) =>
  rows.length === 0
    ? ""
    : `
        <mj-table css-class="cx-ink" color="${LIGHT.ink}" padding="4px 24px" cellpadding="4px">
          <tr style="border-bottom:1px solid ${LIGHT.rule};text-align:left"><th>Owner</th><th style="text-align:right">Overdue cases</th></tr>
          ${rows.map((row) => `<tr><td>${escapeHtml(row.owner)}</td><td style="text-align:right">${row.cases}</td></tr>`).join("")}
        </mj-table>`;

/** The digest as a responsive, table-based HTML email (MJML), with the chart as an inline `cid:` image. */
export async function digestEmailHtml(view: DigestView): Promise<string> {
  const { links, chart } = view;
  const card = `css-class="cx-card" background-color="${LIGHT.card}" border="1px solid ${LIGHT.rule}"`;
  const source = `<mjml lang="en">
  <mj-head>
    <mj-title>${escapeHtml(view.headline)}</mj-title>
    <mj-preview>${escapeHtml(view.tiles.map((item) => `${item.label} ${item.value} (${item.change})`).join(" · "))}</mj-preview>
    <mj-attributes>
      <mj-all font-family="${FONT}" />
      <mj-text color="${LIGHT.ink}" font-size="14px" line-height="21px" />
      <mj-section padding="0" />
    </mj-attributes>
    <mj-raw><meta name="color-scheme" content="light dark" /><meta name="supported-color-schemes" content="light dark" /></mj-raw>
    <mj-style>${darkStyles}</mj-style>
  </mj-head>
  <mj-body css-class="cx-page" background-color="${LIGHT.page}" width="640px">
    <mj-section padding="24px 0 8px">
      <mj-column>
        <mj-text css-class="cx-ink" font-size="22px" font-weight="700" line-height="28px" padding="0 24px">Weekly customer feedback digest</mj-text>
        <mj-text css-class="cx-muted" color="${LIGHT.muted}" padding="4px 24px 0">${escapeHtml(view.period)}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section padding="8px 16px">${view.tiles.map(tile).join("")}
    </mj-section>
    <mj-section ${card} padding="8px 0" >
      <mj-column>${
        chart
          ? `
        ${heading("NPS trend")}
        <mj-image src="cid:${escapeHtml(chart.cid)}" alt="${escapeHtml(chart.alt)}" width="${chart.width}px" height="auto" padding="4px 12px" />`
          : ""
      }
        ${heading("Top negative drivers")}${
          view.drivers.length === 0
            ? `
        <mj-text css-class="cx-muted" color="${LIGHT.muted}" padding="4px 24px">${escapeHtml(view.noDrivers)}</mj-text>`
            : view.drivers.map(driver).join("")
        }${links ? `\n        <mj-text padding="6px 24px 0"><a href="${escapeHtml(links.drivers)}">All drivers</a></mj-text>` : ""}
        ${heading("Action plans")}${
          view.plans.length === 0
            ? `
        <mj-text css-class="cx-muted" color="${LIGHT.muted}" padding="0 24px">${escapeHtml(view.noPlans)}</mj-text>`
            : view.plans
                .map(
                  (row) => `
        <mj-text css-class="cx-ink" padding="4px 24px 0"><strong>${escapeHtml(row.owner)}</strong> · ${escapeHtml(row.line)}</mj-text>`,
                )
                .join("")
        }
        ${heading("Overdue cases")}
        <mj-text css-class="cx-muted" color="${LIGHT.muted}" padding="0 24px">${escapeHtml(view.overdueSummary)}</mj-text>${overdueTable(view.overdue)}${links ? `\n        <mj-text padding="6px 24px 0"><a href="${escapeHtml(links.cases)}">Work the cases</a></mj-text>` : ""}
        ${heading("Revenue at risk")}
        <mj-text css-class="cx-ink" padding="0 24px 16px">${escapeHtml(view.revenue)}</mj-text>${
          links
            ? `
        <mj-button href="${escapeHtml(links.overview)}" background-color="#1f6feb" color="#ffffff" font-weight="600" border-radius="6px" padding="8px 24px 24px">Open the overview in cxloop</mj-button>`
            : ""
        }
      </mj-column>
    </mj-section>
    <mj-section padding="12px 0 24px">
      <mj-column>
        <mj-text css-class="cx-muted" color="${LIGHT.muted}" font-size="12px" align="center">Sent by cxloop. A change is coloured only when it is larger than its 95% interval.</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
  const { html, errors } = await mjml2html(source, { validationLevel: "strict", ignoreIncludes: true });
  if (errors.length)
    throw new Error(`digest email template: ${errors.map((error) => error.formattedMessage).join("; ")}`);
  return html;
}
