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
  /** Fewer answers than the stage's minimum: the score is shown, but flagged. */
  insufficient?: boolean;
  change?: ScoreChange;
  testId?: string;
  extra?: string | null;
}

/** "p = 0.032", or "p < 0.001" where more digits would only suggest false precision. */
export const formatPValue = (p: number) => (p < 0.001 ? "p < 0.001" : `p = ${p.toPrecision(2)}`);

function describeChange(change: ScoreChange | undefined) {
  const points = formatChange(change?.points ?? null);
  if (change === undefined || points === null) return null;
  // A two-sample test decides; with too few answers in either period no verdict is given at all.
  const verdict = change.insufficient
    ? " (too few answers to tell)"
    : change.pValue === null
      ? ""
      : ` (${change.significant ? "significant" : "within noise"}, ${formatPValue(change.pValue)})`;
  return `${points} vs previous period${verdict}`;
}

/** A score with its 95% interval, sample size and change against the previous period. */
export function MetricFigure({
  label,
  score,
  unit = "",
  responses,
  ci95,
  insufficient = false,
  change,
  testId,
  extra,
}: MetricFigureProps) {
  const count = `n = ${formatCount(responses)}${insufficient && responses > 0 ? " (too few answers)" : ""}`;
  return (
    <Figure
      label={label}
      value={score === null ? NONE : `${formatScore(score)}${unit}`}
      testId={testId}
      details={[formatInterval(ci95), count, extra ?? null, describeChange(change)]}
    />
  );
}
