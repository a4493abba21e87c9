import type { Interval, ScoreChange } from "../api-types";
import { formatChange, formatCount, formatInterval, formatScore, NONE } from "../format";

interface FigureProps {
  label: string;
  value: string;
  /** Lines under the value; empty ones are left out. */
  details?: readonly (string | null)[];
  testId?: string;
}

/** One number on a card: "NPS 23.5", with its context (n, interval, change) in smaller lines. */
export function Figure({ label, value, details = [], testId }: FigureProps) {
  return (
    <div class="figure">
      <p class="figure-main" data-testid={testId}>
        <span class="figure-label">{label}</span> <span class="figure-value">{value}</span>
      </p>
      {details
        .filter((line) => line !== null)
        .map((line) => (
          <p class="figure-detail" key={line}>
            {line}
          </p>
        ))}
    </div>
  );
}

interface MetricFigureProps {
  label: string;
  score: number | null;
  /** "%" for shares (CSAT, CES); NPS is points. */
  unit?: string;
  responses: number;
  ci95?: Interval;
  change?: ScoreChange;
  testId?: string;
  extra?: string | null;
}

function describeChange(change: ScoreChange | undefined) {
  const points = formatChange(change?.points ?? null);
  if (change === undefined || points === null) return null;
  // Only a change larger than both periods' combined interval is more than sampling noise.
  const verdict = change.ci95 === null ? "" : change.significant ? " (significant)" : " (within noise)";
  return `${points} vs previous period${verdict}`;
}

/** A score with its 95% interval, sample size and change against the previous period. */
export function MetricFigure({ label, score, unit = "", responses, ci95, change, testId, extra }: MetricFigureProps) {
  return (
    <Figure
      label={label}
      value={score === null ? NONE : `${formatScore(score)}${unit}`}
      testId={testId}
      details={[formatInterval(ci95), `n = ${formatCount(responses)}`, extra ?? null, describeChange(change)]}
    />
  );
}
