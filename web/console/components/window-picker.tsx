import { addDays, isoDay } from "../format";
import { useQueryParams } from "../use-query-params";
import { Field } from "./field";

const PRESETS = [
  { days: 7, label: "Last 7 days" },
  { days: 30, label: "Last 30 days" },
  { days: 90, label: "Last 90 days" },
] as const;
const DEFAULT_DAYS = 30;
const CUSTOM = "custom";

const isDay = (value: string | undefined): value is string => value !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(value);

export interface DayRange {
  from: string;
  to: string;
  /** Days in the window, both ends counted. */
  days: number;
  /** A preset's day count, or "custom". */
  choice: string;
}

/**
 * The window of days a page looks at, from the address bar: `?days=7` (a preset ending today, in
 * the viewer's calendar) or `?from=…&to=…`. Default: the last 30 days.
 */
export function useDayRange() {
  const query = useQueryParams();
  const from = query.read("from");
  const to = query.read("to");
  const isCustom = isDay(from) && isDay(to);
  const presetDays = PRESETS.find((preset) => String(preset.days) === query.read("days"))?.days ?? DEFAULT_DAYS;
  const today = isoDay(new Date());
  const range: DayRange = isCustom
    ? { from, to, days: Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1, choice: CUSTOM }
    : { from: addDays(today, 1 - presetDays), to: today, days: presetDays, choice: String(presetDays) };
  const choose = (choice: string) => {
    // "Custom" keeps the dates in view, now editable as they are.
    if (choice === CUSTOM) query.update({ days: undefined, from: range.from, to: range.to });
    else query.update({ days: choice, from: undefined, to: undefined });
  };
  const setRange = (custom: { from: string; to: string }) =>
    query.update({ days: undefined, from: custom.from, to: custom.to });
  return { range, choose, setRange };
}

/** Window, From and To: a preset or any range of days. */
export function WindowPicker({ picker }: { picker: ReturnType<typeof useDayRange> }) {
  const { range, choose, setRange } = picker;
  return (
    <div class="toolbar">
      <Field label="Window">
        {(id) => (
          <select id={id} value={range.choice} onChange={(event) => choose(event.currentTarget.value)}>
            {PRESETS.map((preset) => (
              <option key={preset.days} value={String(preset.days)}>
                {preset.label}
              </option>
            ))}
            <option value={CUSTOM}>Custom</option>
          </select>
        )}
      </Field>
      <Field label="From">
        {(id) => (
          <input
            id={id}
            type="date"
            value={range.from}
            max={range.to}
            onChange={(event) =>
              isDay(event.currentTarget.value) && setRange({ from: event.currentTarget.value, to: range.to })
            }
          />
        )}
      </Field>
      <Field label="To">
        {(id) => (
          <input
            id={id}
            type="date"
            value={range.to}
            min={range.from}
            onChange={(event) =>
              isDay(event.currentTarget.value) && setRange({ from: range.from, to: event.currentTarget.value })
            }
          />
        )}
      </Field>
    </div>
  );
}
