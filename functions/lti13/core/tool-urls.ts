/**
 * The academy's own LTI 1.3 tool URLs (docs/product.md "Public URLs"): what a platform's administrator
 * enters, and how a target link URI maps back to an activity. Pure, and free of heavy imports, so
 * that the learner-facing handler and the admin API share it.
 */

const envBase = (publicUrl: string, environmentId: string) => `${publicUrl}/${encodeURIComponent(environmentId)}/lti13`;

/** The redirect (launch) URL of an environment: the `redirect_uri` of every authentication request. */
export function toolLaunchUrl(publicUrl: string, environmentId: string): string {
  return `${envBase(publicUrl, environmentId)}/launch`;
}

/** The OIDC login initiation URL of an environment (Security 1.0 §5.1.1.1). */
export function toolLoginUrl(publicUrl: string, environmentId: string): string {
  return `${envBase(publicUrl, environmentId)}/login`;
}

/** The LTI 1.3 resource URL (target link URI) of an activity, as `ltiAccess.lti13.resourceUrl` answers it. */
export function toolResourceUrl(publicUrl: string, environmentId: string, activityId: string): string {
  return `${envBase(publicUrl, environmentId)}/activities/${encodeURIComponent(activityId)}`;
}

/**
 * The deep linking URL of an environment (Deep Linking 2.0 §2.1): the target link URI of the
 * platform's deep linking requests, and where the picker's form posts the choice.
 */
export function toolDeepLinkingUrl(publicUrl: string, environmentId: string): string {
  return `${envBase(publicUrl, environmentId)}/deep-linking`;
}

/**
 * What the platform's administrator enters for the academy's tool. The target link URI is per
 * activity: each activity available for LTI shows its own as `ltiAccess.lti13.resourceUrl`.
 */
export function toolConfiguration(publicUrl: string, environmentId: string) {
  const base = envBase(publicUrl, environmentId);
  return {
    loginUrl: toolLoginUrl(publicUrl, environmentId),
    redirectUrl: toolLaunchUrl(publicUrl, environmentId),
    jwksUrl: `${publicUrl}/.well-known/jwks.json`,
    targetLinkUri: `${base}/activities/{activityId}`,
    deepLinkingUrl: toolDeepLinkingUrl(publicUrl, environmentId),
    targetLinkUriHelp:
      'one per activity: replace {activityId} with the id of an activity that is available for LTI (its ltiAccess.lti13.resourceUrl); ' +
      'a platform that asks for a single tool URL can be given that of the activity the link opens',
  };
}

/**
 * The activity a target link URI opens, when it is a resource URL of this environment
 * (`{PUBLIC_URL}/{env}/lti13/activities/{activityId}`, as `activities.ts` answers in `ltiAccess`);
 * a query string is allowed and ignored.
 */
export function activityOfTargetLink(publicUrl: string, environmentId: string, targetLinkUri: string): string | undefined {
  let target: URL;
  let base: URL;
  try {
    target = new URL(targetLinkUri);
    base = new URL(publicUrl);
  } catch {
    return undefined;
  }
  if (target.origin !== base.origin) return undefined;
  const prefix = `${base.pathname.replace(/\/+$/, '')}/${encodeURIComponent(environmentId)}/lti13/activities/`;
  if (!target.pathname.startsWith(prefix)) return undefined;
  const rest = target.pathname.slice(prefix.length);
  if (rest === '' || rest.includes('/')) return undefined;
  try {
    return decodeURIComponent(rest);
  } catch {
    return undefined;
  }
}

/** Whether a target link URI is the deep linking URL of this environment (a query string is allowed and ignored). */
export function isDeepLinkingTarget(publicUrl: string, environmentId: string, targetLinkUri: string): boolean {
  try {
    const target = new URL(targetLinkUri);
    const expected = new URL(toolDeepLinkingUrl(publicUrl, environmentId));
    return target.origin === expected.origin && target.pathname === expected.pathname;
  } catch {
    return false;
  }
}
