/**
 * The academy's own Dynamic Registration URLs as tool: where an LMS opens a one-time registration
 * link (Dynamic Registration 1.0 §3.3), and the Canvas configuration URL. Pure, free of heavy
 * imports, so that the admin API and the registration function share them.
 */

const envBase = (publicUrl: string, environmentId: string) => `${publicUrl}/${encodeURIComponent(environmentId)}/lti13`;

/** The registration URL of a one-time link: `{base}/{env}/lti13/registrations/{registrationId}`. */
export function toolRegistrationUrl(publicUrl: string, environmentId: string, registrationId: string): string {
  return `${envBase(publicUrl, environmentId)}/registrations/${encodeURIComponent(registrationId)}`;
}

/** The JSON a Canvas administrator enters by URL for a developer key: `{base}/{env}/lti13/canvas-config.json`. */
export function canvasConfigUrl(publicUrl: string, environmentId: string): string {
  return `${envBase(publicUrl, environmentId)}/canvas-config.json`;
}

/** The expiry a registration id carries (epoch seconds), or undefined when it carries none. */
export function registrationIdExpiry(registrationId: string): number | undefined {
  const match = /^([0-9a-z]{1,10})\.[A-Za-z0-9_-]{20,}$/.exec(registrationId);
  if (!match) return undefined;
  const seconds = Number.parseInt(match[1]!, 36);
  return Number.isSafeInteger(seconds) ? seconds : undefined;
}
