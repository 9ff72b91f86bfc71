/**
 * The `error_description` of an OAuth 2 error answer (RFC 6749 §4.1.2.1, §5.2; RFC 6750 §3) may
 * hold only `%x20-21 / %x23-5B / %x5D-7E`: printable ASCII without `"` and `\`.
 */

/** The message with every character outside that set removed. */
export function errorDescription(message: string): string {
  return message.replace(/[^\x20-\x21\x23-\x5B\x5D-\x7E]/g, '');
}
