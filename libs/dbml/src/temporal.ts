const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Splits an ISO-like timestamp into date and time in UTC, for engines whose timestamp
 * types hold no zone (MySQL DATETIME, SQL Server DATETIME2) and refuse a `Z` or offset.
 * Returns null for text that is not such a timestamp (the engine then judges it).
 */
export function toUtcParts(text: string): { date: string; time: string } | null {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return null;
  const [, date, time, zone] = match;
  if (!date || !time) return null;
  if (!zone || /^(z|[+-]00(:?00)?)$/i.test(zone)) return { date, time };
  const parsed = new Date(`${date}T${time}${zone.length === 3 ? `${zone}:00` : zone}`);
  if (Number.isNaN(parsed.getTime())) return null;
  const iso = parsed.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  return { date: iso.slice(0, 10), time: iso.slice(11, 23) };
}
