/**
 * AGS date-time values (AGS 2.0 §3.2.12, §3.4.9, §4.2): ISO 8601 with a time zone designator (`Z`,
 * `+00:00`, `+00`), and for scores a sub-second precision that tools send with 3, 6 or 9 digits.
 */

const pattern = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:[.,](\d{1,9}))?([Zz]|[+-]\d{2}(?::?\d{2})?)$/;

/**
 * The instant as UTC with exactly nine fraction digits (`2017-04-16T18:54:36.736000000Z`), so that
 * two normalized values compare as strings in time order; undefined when `value` is not an ISO 8601
 * date-time with a time zone designator, or names no real date.
 */
export function normalizeDateTime(value: string): string | undefined {
  const match = pattern.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', zone] = match as unknown as string[];
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  if (new Date(local).getUTCDate() !== day) return undefined;
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const [hours, minutes = '0'] = [zone!.slice(1, 3), zone!.slice(3).replace(':', '')];
    if (Number(hours) > 23 || Number(minutes || 0) > 59) return undefined;
    offsetMinutes = (Number(hours) * 60 + Number(minutes || 0)) * (zone!.startsWith('-') ? -1 : 1);
  }
  const utc = new Date(local - offsetMinutes * 60_000);
  if (Number.isNaN(utc.getTime()) || utc.getUTCFullYear() > 9999 || utc.getUTCFullYear() < 1) return undefined;
  return `${utc.toISOString().slice(0, 19)}.${fraction.padEnd(9, '0')}Z`;
}
