import { describe, expect, it } from "vitest";
import { isTimeZone } from "../../lambdas/contracts/time-zone";
import { dayBounds, dayOf } from "../../lambdas/core/calendar";
import { stageConfigSchema } from "../../lib/config";

const hours = (bounds: { from: string; to: string }) => (Date.parse(bounds.to) - Date.parse(bounds.from)) / 3_600_000;

describe("days in the metrics time zone", () => {
  it("counts a response in the UTC day by default, and in the local day when a zone is set", () => {
    expect(dayOf("2026-11-20T23:30:00.000Z")).toBe("2026-11-20");
    expect(dayOf("2026-11-20T23:30:00.000Z", "Europe/Berlin")).toBe("2026-11-21");
    expect(dayOf("2026-11-21T05:00:00.000Z", "America/Los_Angeles")).toBe("2026-11-20");
    expect(dayOf("2026-11-20T18:29:59.999Z", "Asia/Kolkata")).toBe("2026-11-20");
    expect(dayOf("2026-11-20T18:30:00.000Z", "Asia/Kolkata")).toBe("2026-11-21");
  });

  it("spans a day from local midnight to local midnight, 23 or 25 hours across a DST change", () => {
    expect(dayBounds("2026-11-23")).toEqual({ from: "2026-11-23T00:00:00.000Z", to: "2026-11-24T00:00:00.000Z" });
    expect(dayBounds("2026-11-23", "Europe/Berlin")).toEqual({
      from: "2026-11-22T23:00:00.000Z",
      to: "2026-11-23T23:00:00.000Z",
    });
    expect(hours(dayBounds("2026-03-29", "Europe/Berlin"))).toBe(23);
    expect(hours(dayBounds("2026-10-25", "Europe/Berlin"))).toBe(25);
    // Chile moves its clocks at midnight: that day starts at 01:00 local.
    expect(dayBounds("2026-09-06", "America/Santiago").from).toBe("2026-09-06T04:00:00.000Z");
  });

  it("works in the first storable years as in any other (Berlin kept local mean time then, +00:53:28)", () => {
    const first = dayBounds("0001-01-01", "Europe/Berlin");
    expect(first.from.slice(0, 10)).toBe("0000-12-31");
    expect(hours(first)).toBe(24);
    expect(dayOf(new Date(first.from), "Europe/Berlin")).toBe("0001-01-01");
    expect(dayBounds("0099-06-15", "Asia/Kolkata").from.slice(0, 4)).toBe("0099");
  });

  it("puts every instant of a day's bounds in that day, and the end in the next", () => {
    for (const timeZone of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Chatham"])
      for (const day of ["2026-03-08", "2026-03-29", "2026-10-25", "2026-11-01", "2026-12-31"]) {
        const { from, to } = dayBounds(day, timeZone);
        expect(dayOf(from, timeZone), `${timeZone} ${day}`).toBe(day);
        expect(dayOf(new Date(Date.parse(to) - 1), timeZone), `${timeZone} ${day}`).toBe(day);
        expect(dayOf(to, timeZone), `${timeZone} ${day}`).not.toBe(day);
      }
  });

  it("accepts IANA zones in the stage config and names a bad one", () => {
    expect(isTimeZone("Europe/Berlin")).toBe(true);
    expect(stageConfigSchema.parse({}).metricsTimeZone).toBe("UTC");
    const bad = stageConfigSchema.safeParse({ metricsTimeZone: "Mars/Olympus_Mons" });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ["metricsTimeZone"], message: expect.stringContaining("IANA") });
  });
});
