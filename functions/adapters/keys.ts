/**
 * Every DynamoDB key lti-bridge writes, in one place. Keys of the `data` table start with the
 * environment, so nothing is reachable through another one. Uniqueness rules are one item each
 * (an email claim, an external id), so they are enforced by one conditional write.
 *
 * data table                                  pk                                     sk
 * - environment                               ENV#{env}                              ENV
 * - activity (listed by Query)                ENV#{env}                              ACT#{id}
 * - user                                      ENV#{env}#USER#{id}                    USER
 *   (gsi1: ENV#{env}#USERS / USER#{id} lists an environment's users, a page at a time)
 * - email claim                               ENV#{env}#EMAIL#{lower-case email}     EMAIL
 * - external id (LMS user id → user; the key  ENV#{env}#EXT#{externalKey}#{enc(id)}  EXT
 *   names the registration, academy/identity.ts; parts percent-encoded, so no `#` inside)
 * - LTI 1.3 tool (listed by Query; the id     ENV#{env}                              TOOL#{id}
 *   is the client id: one GetItem finds it)
 * - LTI 1.3 platform (listed by Query)        ENV#{env}                              PLATFORM#{id}
 * - deep link (academy as platform: a deep    ENV#{env}                              DEEPLINK#{id}
 *   linking request to a tool and its result)
 * - (issuer, client id) of a platform         ENV#{env}#ISS#{issuer}                 CLIENT#{clientId}
 * - a deployment that launched from a         ENV#{env}#PLATFORM#{id}                DEPLOYMENT#{enc(deployment id)}
 *   platform (listed by Query)
 * - a user in an activity: enrollment,        ENV#{env}#ACT#{activity}#USER#{user}   ENROLL, PROGRESS,
 *   progress, passback bindings, deliveries                                          BIND#{key}, DELIVERY#{key}
 *   (gsi1: ENV#{env}#ACT#{activity} / {user}#… lists an activity's progress)
 * - result sourcedId given to an LTI 1.2      ENV#{env}#ACT#{activity}#USER#{user}   SOURCEDID
 *   tool (academy as platform)
 * - a learner launched into the activity by   ENV#{env}#ACT#{activity}#USER#{user}   LAUNCHED#{tool}
 *   an LTI 1.3 tool (academy as platform;
 *   what that tool's AGS may score)
 * - where a platform context's roster of an   ENV#{env}#ACT#{activity}#ROSTER         SOURCE#{platform}#{enc(context)}
 *   academy-made activity can be read (NRPS
 *   memberships URL; listed by Query)
 * - AGS line item of an external activity     ENV#{env}#AGS#{activity}               LINEITEM#{id}
 * - AGS result of a user on a line item       ENV#{env}#AGS#{activity}#LI#{id}       RESULT#{user}
 *
 * ephemeral table (every item has `expiresAt`, epoch seconds; expired items count as absent).
 * The single-use store's items (`./dynamo-single-use.ts`: `{pk, sk, kind, expiresAt, value}`):
 * - nonce (OAuth 1.0a nonce, jti)             ONCE#{scope}#{value}                   ONCE
 * - oidc-state (academy as LTI 1.3 tool)      OIDC#{env}#{sha256(state)}             STATE
 * - sso-code                                  SSO#{env}#{sha256(code)}               SSO
 * - launch-ticket (academy as platform)       TICKET#{env}#{sha256(ticket)}          TICKET
 * - pending-login (academy as LTI 1.3         LOGIN#{env}#{sha256(login_hint)}       LOGIN
 *   platform)
 * - deep-linking-picker (academy as LTI 1.3   PICKER#{env}#{sha256(token)}           PICKER
 *   tool: a deep linking request's picker)
 * - registration-link (academy as LTI 1.3     REGLINK#{env}#{sha256(link id)}        REGLINK
 *   tool: a dynamic registration link)
 * - registration-token (academy as LTI 1.3    REGTOKEN#{env}#{sha256(token)}         REGTOKEN
 *   platform: a dynamic registration's token)
 * and, looked up until it expires, never used up:
 * - access token issued to a tool             TOKEN#{sha256(token)}                  TOKEN
 */
export const keys = {
  environment: (env: string) => ({ pk: `ENV#${env}`, sk: 'ENV' }),
  activity: (env: string, id: string) => ({ pk: `ENV#${env}`, sk: `ACT#${id}` }),
  user: (env: string, id: string) => ({ pk: `ENV#${env}#USER#${id}`, sk: 'USER' }),
  email: (env: string, email: string) => ({ pk: `ENV#${env}#EMAIL#${email.toLowerCase()}`, sk: 'EMAIL' }),
  externalId: (env: string, externalKey: string, externalUserId: string) => ({
    pk: `ENV#${env}#EXT#${externalKey}#${encodeURIComponent(externalUserId)}`,
    sk: 'EXT',
  }),
  learner: (env: string, activityId: string, userId: string, sk: string) => ({
    pk: `ENV#${env}#ACT#${activityId}#USER#${userId}`,
    sk,
  }),
  /** gsi1 keys that list an environment's users in id order. */
  userIndex: (env: string, id: string) => ({ gsi1pk: `ENV#${env}#USERS`, gsi1sk: `USER#${id}` }),
  /** gsi1 keys that list an activity's learners' items. */
  activityIndex: (env: string, activityId: string, userId: string, sk: string) => ({
    gsi1pk: `ENV#${env}#ACT#${activityId}`,
    gsi1sk: `${userId}#${sk}`,
  }),
  /** Where a platform context's roster can be read (academy as tool): one partition per activity. */
  rosterSource: (env: string, activityId: string, platformId: string, contextId: string) => ({
    pk: `ENV#${env}#ACT#${activityId}#ROSTER`,
    sk: `SOURCE#${platformId}#${encodeURIComponent(contextId)}`,
  }),
  /** AGS line items of an activity: one partition, listed in id order. */
  lineItem: (env: string, activityId: string, id: string) => ({ pk: `ENV#${env}#AGS#${activityId}`, sk: `LINEITEM#${id}` }),
  /** AGS results of a line item: one partition, listed in user id order. */
  agsResult: (env: string, activityId: string, lineItemId: string, userId: string) => ({
    pk: `ENV#${env}#AGS#${activityId}#LI#${lineItemId}`,
    sk: `RESULT#${userId}`,
  }),
  /** A learner's passback binding to one LMS (`bindingKey()` in functions/ports/index.ts); the newest launch wins. */
  binding: (env: string, activityId: string, userId: string, bindingKey: string): { pk: string; sk: string } =>
    keys.learner(env, activityId, userId, `BIND#${bindingKey}`),
  /** An LTI 1.3 tool launched the learner into the activity (academy as platform): no gsi1 keys, never listed. */
  launched: (env: string, activityId: string, userId: string, toolId: string): { pk: string; sk: string } =>
    keys.learner(env, activityId, userId, `LAUNCHED#${toolId}`),
  /** The state of passing a learner's progress back through one binding. */
  delivery: (env: string, activityId: string, userId: string, bindingKey: string): { pk: string; sk: string } =>
    keys.learner(env, activityId, userId, `DELIVERY#${bindingKey}`),
  once: (scope: string, value: string) => ({ pk: `ONCE#${scope}#${value}`, sk: 'ONCE' }),
  platform: (env: string, id: string) => ({ pk: `ENV#${env}`, sk: `PLATFORM#${id}` }),
  /** One item per (issuer, client id): the uniqueness claim, also how a login finds a platform by issuer. */
  platformIssuer: (env: string, issuer: string, clientId: string) => ({ pk: `ENV#${env}#ISS#${issuer}`, sk: `CLIENT#${clientId}` }),
  deployment: (env: string, platformId: string, deploymentId: string) => ({
    pk: `ENV#${env}#PLATFORM#${platformId}`,
    sk: `DEPLOYMENT#${encodeURIComponent(deploymentId)}`,
  }),
  oidcState: (env: string, stateHash: string) => ({ pk: `OIDC#${env}#${stateHash}`, sk: 'STATE' }),
  sso: (env: string, codeHash: string) => ({ pk: `SSO#${env}#${codeHash}`, sk: 'SSO' }),
  ticket: (env: string, ticketHash: string) => ({ pk: `TICKET#${env}#${ticketHash}`, sk: 'TICKET' }),
  accessToken: (tokenHash: string) => ({ pk: `TOKEN#${tokenHash}`, sk: 'TOKEN' }),
  tool: (env: string, id: string) => ({ pk: `ENV#${env}`, sk: `TOOL#${id}` }),
  pendingLogin: (env: string, loginHintHash: string) => ({ pk: `LOGIN#${env}#${loginHintHash}`, sk: 'LOGIN' }),
  deepLinkingPicker: (env: string, tokenHash: string) => ({ pk: `PICKER#${env}#${tokenHash}`, sk: 'PICKER' }),
  registrationLink: (env: string, idHash: string) => ({ pk: `REGLINK#${env}#${idHash}`, sk: 'REGLINK' }),
  registrationToken: (env: string, tokenHash: string) => ({ pk: `REGTOKEN#${env}#${tokenHash}`, sk: 'REGTOKEN' }),
  deepLink: (env: string, id: string) => ({ pk: `ENV#${env}`, sk: `DEEPLINK#${id}` }),
};
