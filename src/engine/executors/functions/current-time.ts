/**
 * `current_time`: the current date and time in an IANA time zone, with the
 * zone's UTC offset at that instant. Useful to an LLM, which has no clock.
 */
import type { BuiltinFunction } from "./index";

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

export const currentTime: BuiltinFunction = {
  name: "current_time",
  description: "The current date and time in an IANA time zone (for example Europe/Paris), with its UTC offset.",
  inputSchema: {
    type: "object",
    properties: {
      timezone: {
        type: "string",
        description: "An IANA time zone name, such as America/New_York or Asia/Tokyo.",
        default: "UTC",
      },
    },
    additionalProperties: false,
  },
  outputSchema: {
    type: "object",
    required: ["timezone", "iso", "date", "time", "weekday", "utc_offset", "unix"],
    properties: {
      timezone: { type: "string" },
      iso: { type: "string", format: "date-time" },
      date: { type: "string", format: "date" },
      time: { type: "string" },
      weekday: { type: "string" },
      utc_offset: { type: "string" },
      unix: { type: "integer" },
    },
  },
  run(input, now) {
    const timezone = typeof input.timezone === "string" ? input.timezone : "UTC";
    let parts: Intl.DateTimeFormatPart[];
    try {
      parts = new Intl.DateTimeFormat("en-US", {
        timeZone: timezone,
        hourCycle: "h23",
        year: "numeric",
        month: "2-digit",
        day: "2-digit",
        hour: "2-digit",
        minute: "2-digit",
        second: "2-digit",
      }).formatToParts(now);
    } catch {
      return {
        ok: false,
        errors: [{ path: "/input/timezone", keyword: "format", message: `"${timezone}" is not an IANA time zone.` }],
      };
    }
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "00";
    const date = `${part("year")}-${part("month")}-${part("day")}`;
    const time = `${part("hour")}:${part("minute")}:${part("second")}`;
    // The offset is the difference between the zone's wall clock and UTC at this instant.
    const wallClockAsUtc = Date.UTC(
      Number(part("year")),
      Number(part("month")) - 1,
      Number(part("day")),
      Number(part("hour")),
      Number(part("minute")),
      Number(part("second")),
    );
    const offsetMinutes = Math.round((wallClockAsUtc - Math.floor(now.getTime() / 1000) * 1000) / 60000);
    const sign = offsetMinutes < 0 ? "-" : "+";
    const abs = Math.abs(offsetMinutes);
    const utcOffset = `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
    const weekday =
      WEEKDAYS[new Date(Date.UTC(Number(part("year")), Number(part("month")) - 1, Number(part("day")))).getUTCDay()];
    return {
      ok: true,
      output: {
        timezone,
        iso: `${date}T${time}${utcOffset === "+00:00" ? "Z" : utcOffset}`,
        date,
        time,
        weekday: weekday ?? "",
        utc_offset: utcOffset,
        unix: Math.floor(now.getTime() / 1000),
      },
    };
  },
};
