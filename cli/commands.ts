/**
 * The admin CLI's commands (`npx lti-bridge <resource> <action>`), one per request of the admin API
 * (docs/product.md "Admin API"): the method and path, the options that fill the path, whether the
 * command takes a JSON body, and how a person reads the answer (the columns of a table).
 */

/** An option that fills a `{name}` of the path. */
export interface PathOption {
  readonly name: string;
  readonly option: string;
  readonly description: string;
}

export interface Command {
  readonly resource: string;
  readonly action: string;
  readonly description: string;
  readonly method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  /** The request takes a JSON body (`--body`, `--set field=value`). */
  readonly body?: 'required' | 'optional';
  /** Query options passed through (`--email`), besides `--limit` and `--cursor` of lists. */
  readonly query?: readonly string[];
  /** A list: the answer's array under this name, paged with `next`. */
  readonly list?: string;
  /** The columns of the table a person sees; the whole answer is shown with `--json`. */
  readonly columns?: readonly string[];
  /** Takes long (a spinner with the elapsed time on a terminal). */
  readonly long?: boolean;
}

const env: PathOption = { name: 'env', option: 'env', description: 'the environment id' };
const id = (what: string): PathOption => ({ name: 'id', option: 'id', description: `the ${what}'s id` });
const base = '/admin/environments/{env}';

/** The LMSs a setup sheet is written for (`functions/lti13/dynamic-registration/tool-setup-sheets.ts`). */
const setupLms = 'moodle|canvas|brightspace|blackboard|sakai|schoology|generic';

const article = (what: string) => (/^[aeiou]/i.test(what) ? `an ${what}` : `a ${what}`);

const crud = (resource: string, what: string, path: string, columns: readonly string[]): Command[] => [
  {
    resource,
    action: 'list',
    description: `list the environment's ${resource}, a page at a time (--all for every page)`,
    method: 'GET',
    path: `${base}/${path}`,
    list: resource,
    columns,
  },
  { resource, action: 'get', description: `show one ${what}`, method: 'GET', path: `${base}/${path}/{id}`, columns },
  {
    resource,
    action: 'create',
    description: `create ${article(what)} from a JSON body`,
    method: 'POST',
    path: `${base}/${path}`,
    body: 'required',
    columns,
  },
  {
    resource,
    action: 'update',
    description: `change fields of ${article(what)} (PATCH)`,
    method: 'PATCH',
    path: `${base}/${path}/{id}`,
    body: 'required',
    columns,
  },
  { resource, action: 'delete', description: `remove ${article(what)}`, method: 'DELETE', path: `${base}/${path}/{id}` },
];

export const commands: readonly Command[] = [
  {
    resource: 'environments',
    action: 'get',
    description: 'show an environment',
    method: 'GET',
    path: base,
    columns: ['id', 'name', 'ltiEnabled', 'academyUrl'],
  },
  {
    resource: 'environments',
    action: 'put',
    description: 'create or replace an environment {name, ltiEnabled, academyUrl, accountLinking?}',
    method: 'PUT',
    path: base,
    body: 'required',
    columns: ['id', 'name', 'ltiEnabled', 'academyUrl'],
  },
  ...crud('activities', 'activity', 'activities', ['id', 'type', 'title', 'availableForLti']),
  {
    resource: 'activities',
    action: 'issue-credential',
    description: 'issue an LTI 1.2 key and secret for one LMS {name}; the secret is shown this once',
    method: 'POST',
    path: `${base}/activities/{id}/lti12-credentials`,
    body: 'required',
    columns: ['key', 'secret', 'name', 'launchUrl'],
  },
  {
    resource: 'activities',
    action: 'rotate-secret',
    description:
      'a new secret for an LTI 1.2 key {overlapHours?}; the old one keeps verifying for the overlap; the new one is shown this once',
    method: 'POST',
    path: `${base}/activities/{id}/lti12-credentials/{key}/rotate`,
    body: 'optional',
    columns: ['key', 'secret', 'previousSecretValidUntil'],
  },
  {
    resource: 'activities',
    action: 'revoke-credential',
    description: "revoke one LMS's LTI 1.2 key",
    method: 'DELETE',
    path: `${base}/activities/{id}/lti12-credentials/{key}`,
  },
  {
    resource: 'activities',
    action: 'setup',
    description: `what to enter in an LMS for one activity (--lms ${setupLms})`,
    method: 'GET',
    path: `${base}/activities/{id}/setup`,
    query: ['lms'],
  },
  {
    resource: 'activities',
    action: 'roster-sync',
    description: 'enrol the learners of every LMS course that launched the activity, read over NRPS (one request; it may take a while)',
    method: 'POST',
    path: `${base}/activities/{id}/roster-sync`,
    long: true,
    columns: ['members', 'created', 'enrolled', 'alreadyEnrolled'],
  },
  ...crud('platforms', 'LTI 1.3 platform', 'platforms', ['id', 'name', 'issuer', 'clientId', 'activated']),
  {
    resource: 'platforms',
    action: 'setup',
    description: `what to enter in an LMS to add the academy as an LTI 1.3 tool (--lms ${setupLms})`,
    method: 'GET',
    path: `${base}/platforms/{id}/setup`,
    query: ['lms'],
  },
  {
    resource: 'registrations',
    action: 'create',
    description: 'a one-time LTI Dynamic Registration URL for an LMS {activate?} (inactive platform unless activate)',
    method: 'POST',
    path: `${base}/registrations`,
    body: 'optional',
    columns: ['registrationUrl', 'expiresAt', 'activate'],
  },
  ...crud('tools', 'LTI 1.3 tool', 'tools', ['id', 'name', 'oidcUrl', 'activated']),
  {
    resource: 'users',
    action: 'list',
    description: "list the environment's users, a page at a time (--all for every page)",
    method: 'GET',
    path: `${base}/users`,
    list: 'users',
    columns: ['id', 'email', 'givenName', 'familyName'],
  },
  {
    resource: 'users',
    action: 'get',
    description: 'show one user',
    method: 'GET',
    path: `${base}/users/{id}`,
    columns: ['id', 'email', 'givenName', 'familyName', 'ltiLinkable'],
  },
  {
    resource: 'users',
    action: 'find',
    description: 'the user with an email (--email)',
    method: 'GET',
    path: `${base}/users`,
    query: ['email'],
    columns: ['id', 'email', 'givenName', 'familyName'],
  },
  {
    resource: 'users',
    action: 'put',
    description: 'create or replace a user {email, givenName, familyName, ltiLinkable?}',
    method: 'PUT',
    path: `${base}/users/{id}`,
    body: 'required',
    columns: ['id', 'email', 'givenName', 'familyName', 'ltiLinkable'],
  },
  {
    resource: 'launches',
    action: 'create',
    description: 'a one-time launch URL of an external activity {activityId, userId, returnUrl?}',
    method: 'POST',
    path: `${base}/launches`,
    body: 'required',
    columns: ['launchUrl', 'expiresAt'],
  },
  {
    resource: 'tool-registrations',
    action: 'create',
    description: 'register an LTI 1.3 tool by Dynamic Registration {registrationUrl}: open launchUrl in a browser, then activate the tool',
    method: 'POST',
    path: `${base}/tool-registrations`,
    body: 'required',
    columns: ['launchUrl', 'expiresAt'],
  },
  {
    resource: 'deep-links',
    action: 'create',
    description: 'ask an LTI 1.3 tool for content (Deep Linking) {toolId, userId, returnUrl?, activityType?, minScore?}',
    method: 'POST',
    path: `${base}/deep-links`,
    body: 'required',
    columns: ['id', 'launchUrl', 'expiresAt'],
  },
  {
    resource: 'deep-links',
    action: 'get',
    description: 'what a deep link brought: its state and the activities it created',
    method: 'GET',
    path: `${base}/deep-links/{id}`,
    columns: ['id', 'state', 'activityIds', 'error'],
  },
  {
    resource: 'sso',
    action: 'exchange',
    description: 'trade a single sign-on code {code}',
    method: 'POST',
    path: `${base}/sso/exchange`,
    body: 'required',
  },
  {
    resource: 'progress',
    action: 'list',
    description: "every learner's progress in an activity",
    method: 'GET',
    path: `${base}/activities/{id}/progress`,
    columns: ['userId', 'status', 'score'],
  },
  {
    resource: 'progress',
    action: 'get',
    description: "one learner's progress and passbacks",
    method: 'GET',
    path: `${base}/activities/{id}/progress/{user}`,
    columns: ['userId', 'status', 'score'],
  },
  {
    resource: 'progress',
    action: 'put',
    description: 'record progress {status, score?}: passed back to every LMS that launched the learner',
    method: 'PUT',
    path: `${base}/activities/{id}/progress/{user}`,
    body: 'required',
    columns: ['userId', 'status', 'score'],
  },
];

/** Every option that fills a path, by the `{name}` it fills. */
export const pathOptions: Readonly<Record<string, PathOption>> = {
  env,
  id: id('record'),
  key: { name: 'key', option: 'key', description: 'the LTI 1.2 key' },
  user: { name: 'user', option: 'user', description: "the learner's user id" },
};

export function findCommand(resource: string | undefined, action: string | undefined): Command | undefined {
  return commands.find((command) => command.resource === resource && command.action === action);
}

/** The `{name}`s of a path, in order. */
export function pathNames(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!);
}
