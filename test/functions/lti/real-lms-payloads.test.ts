/**
 * Launches shaped like those of the LMSs administrators use (issue 11, "Payloads as real LMSs send
 * them"; docs/product.md "Who is who at a launch"), through the real local server. Each shape is in
 * test/fixtures/real-lms/, with the source it comes from: Canvas, Blackboard Learn, Brightspace,
 * Moodle and Sakai over LTI 1.1 and 1.3, Schoology over LTI 1.3.
 *
 * - LTI 1.1 launches are signed by npm `oauth-1.0a` (test/fixtures/lti12-launch.ts); LTI 1.3 ones by
 *   the test platform's `jsonwebtoken` (test/fixtures/lti13-platform.ts), its claims replaced by the
 *   LMS's, with `iss`, `aud`, `nonce`, the deployment and the target from the launch flow.
 * - Every sign-on is exchanged, and neither the exchange's answer nor the stored user may hold an
 *   unsubstituted variable (`$…`).
 */
import { startTestServer, type TestServer } from '../../fixtures/local-server';
import { expectError } from '../../fixtures/expect-error';
import { closeSigners, createLti12Activity, launch, params, type Lti12Credentials } from '../../fixtures/lti12-launch';
import { launchFromPlatform, lti, TestPlatform, type Exchange } from '../../fixtures/lti13-platform';
import {
  blackboard,
  brightspace,
  canvas,
  canvasInstanceGuid,
  moodle,
  moodleInstanceGuid,
  sakai,
  sakaiInstanceGuid,
  schoology,
  type LmsUser,
  type Lti13Shape,
  type RealLms,
} from '../../fixtures/real-lms';

const env = 'real-lms';
const academyUrl = 'https://academy.example/sso';
let server: TestServer;
let activity: Lti12Credentials & { id: string };
let resourceUrl: string;
let loginUrl: string;
const platforms: TestPlatform[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const put = await server.admin.request('PUT', `/admin/environments/${env}`, { name: 'Real LMS Academy', ltiEnabled: true, academyUrl });
  expect(put.status).toBe(201);
  activity = await createLti12Activity(server.admin, env, 'Safety basics');
  resourceUrl = (await server.admin.request('GET', `/admin/environments/${env}/activities/${activity.id}`)).json.ltiAccess.lti13
    .resourceUrl;
  loginUrl = `${server.baseUrl}/${env}/lti13/login`;
});
afterAll(async () => {
  await closeSigners();
  await Promise.all(platforms.map((platform) => platform.close()));
  await server?.close();
});

let sequence = 0;
const unique = (label: string) => `${label}-${Date.now()}-${++sequence}`;
const emailOf = (label: string) => `${unique(label)}@school.example`;

interface SignOn {
  readonly user: { id: string; email: string; givenName: string; familyName: string; externalIds: Record<string, string> };
  readonly created: boolean;
}

/** A launch's answer: a fetch `Response` (LTI 1.1) or the browser's view of the form post (LTI 1.3). */
type Answer = Response | Exchange;

const locationOf = (answer: Answer) => (answer instanceof Response ? answer.headers.get('location') : answer.location);
const textOf = (answer: Answer) => (answer instanceof Response ? answer.text() : Promise.resolve(answer.text));

/** No value is a variable the LMS failed to substitute (`"$Canvas.user.id"`, `"$Person.email.primary"`). */
function expectNoVariable(value: unknown): void {
  expect(JSON.stringify(value)).not.toMatch(/"\$[A-Za-z][\w.]*"/);
}

/** The sign-on of a successful launch (303 to the academy), as the academy exchanges it; the stored user holds no variable. */
async function signedOnAs(answer: Answer): Promise<SignOn> {
  if (answer.status !== 303) throw new Error(`the launch answered ${answer.status}: ${(await textOf(answer)).slice(0, 400)}`);
  const location = new URL(locationOf(answer)!);
  expect(`${location.origin}${location.pathname}`).toBe(academyUrl);
  const exchange = await server.admin.request('POST', `/admin/environments/${env}/sso/exchange`, {
    code: location.searchParams.get('code'),
  });
  expect(exchange.status).toBe(200);
  const stored = await server.admin.request('GET', `/admin/environments/${env}/users/${exchange.json.user.id}`);
  expect(stored.status).toBe(200);
  expectNoVariable(exchange.json);
  expectNoVariable(stored.json);
  return exchange.json as SignOn;
}

/** The key of a learner's LTI 1.1 id: the activity's key and the LMS instance's guid, each percent-encoded. */
const key11 = (guid: string) => `lti12|${encodeURIComponent(activity.key)}|${encodeURIComponent(guid)}`;

/** An LTI 1.1 launch of the LMS, signed with the activity's key; `overrides` replace (or, `undefined`, remove) parameters. */
function launch11(lms: RealLms, user: LmsUser, overrides: Readonly<Record<string, string | undefined>> = {}): Promise<Response> {
  return launch(activity, params({ ...lms.lti11!.params(user), ...overrides }));
}

/** An LMS registered as an LTI 1.3 platform of the environment, under its own issuer, and the test platform that plays it. */
interface Registered {
  readonly shape: Lti13Shape;
  readonly platform: TestPlatform;
  readonly id: string;
}

async function register(lms: RealLms, name = lms.name): Promise<Registered> {
  const shape = lms.lti13!;
  const platform = await TestPlatform.start({ clientId: shape.newClientId(), deploymentId: shape.newDeploymentId() });
  platforms.push(platform);
  platform.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
  platform.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
  const created = await server.admin.request(
    'POST',
    `/admin/environments/${env}/platforms`,
    platform.registration({ name, issuer: shape.issuer }),
  );
  expect(created.status).toBe(201);
  return { shape, platform, id: created.json.id };
}

/** The key of a learner's LTI 1.3 id: the registration's issuer and client id. */
const key13 = ({ shape, platform }: Registered) => `lti13|${encodeURIComponent(shape.issuer)}|${encodeURIComponent(platform.clientId)}`;

let hints = 0;

/** An LTI 1.3 launch of the LMS, its claims the LMS's; `change` then alters them (clock skew, variables). */
async function launch13(lms: Registered, user: LmsUser, change: (claims: Record<string, unknown>) => void = () => {}): Promise<Exchange> {
  const { shape, platform } = lms;
  const run = await launchFromPlatform(platform, {
    loginUrl,
    targetLinkUri: resourceUrl,
    loginHint: `opaque-hint-${++hints}`,
    login: { iss: shape.issuer, client_id: platform.clientId, lti_deployment_id: platform.deploymentId },
    scenario: {
      claims: (base) => {
        const claims = shape.claims(
          {
            iss: shape.issuer,
            aud: String(base.aud),
            nonce: String(base.nonce),
            deploymentId: String(base[`${lti}deployment_id`]),
            targetLinkUri: String(base[`${lti}target_link_uri`]),
            now: Number(base.iat),
            lineItemsUrl: (context) => platform.lineItemsUrl(context),
          },
          user,
        );
        change(claims);
        return claims;
      },
    },
  });
  expect(run.login.status).toBe(302);
  expect(run.auth?.status).toBe(200);
  return run.launch!;
}

describe('Canvas', () => {
  let canvas13: Registered;
  beforeAll(async () => {
    canvas13 = await register(canvas);
  });

  it("LTI 1.1: a one-word name's empty family name falls back to the name, and the learner relaunches with nothing shared", async () => {
    const user = { id: canvas.lti11!.newUserId(), email: emailOf('cher'), givenName: 'Cher', familyName: '', name: 'Cher' };
    const first = await signedOnAs(await launch11(canvas, user));
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ email: user.email, givenName: 'Cher', familyName: 'Cher' });
    expect(first.user.externalIds).toEqual({ [key11(canvasInstanceGuid)]: user.id });
    // The privacy level "anonymous": no name, no email; the user_id is enough.
    const again = await signedOnAs(await launch11(canvas, { id: user.id }));
    expect(again).toMatchObject({ created: false, user: { id: first.user.id, givenName: 'Cher', familyName: 'Cher' } });
  });

  it('LTI 1.3 under the shared issuer: the empty family_name falls back, and the custom claim $Canvas.user.id is never stored', async () => {
    const user = { id: canvas.lti13!.newUserId(), email: emailOf('cher'), givenName: 'Cher', familyName: '', name: 'Cher' };
    const first = await signedOnAs(await launch13(canvas13, user));
    expect(first.created).toBe(true);
    expect(first.user).toMatchObject({ email: user.email, givenName: 'Cher', familyName: 'Cher' });
    expect(first.user.externalIds).toEqual({ [key13(canvas13)]: user.id });
    const read = await server.admin.request('GET', `/admin/environments/${env}/platforms/${canvas13.id}`);
    expect(read.json.deploymentIds).toEqual(['189:7f956bcc8f67cd076ae464862ce83596a1bb3293']);
  });

  it("LTI 1.1 to 1.3: the lti1p1 claim signed with the 1.1 secret finds the 1.1 learner by Canvas's instance guid; the legacy id alone finds nobody", async () => {
    const legacyId = canvas.lti11!.newUserId();
    const names = { givenName: 'Ada', familyName: 'Lovelace', name: 'Ada Lovelace' };
    const before = await signedOnAs(await launch11(canvas, { id: legacyId, email: emailOf('ada'), ...names }));
    // Without email, the 1.3 launch can reach the 1.1 account only through its lti1p1 claim.
    const unsigned = await launch13(canvas13, { id: canvas.lti13!.newUserId(), ...names, lti11: { userId: legacyId } });
    await expectError(unsigned, { status: 400, code: 'missing_claim', field: 'email' });
    const sub = canvas.lti13!.newUserId();
    const signed = { userId: legacyId, consumerKey: activity.key, secret: activity.secret };
    const after = await signedOnAs(await launch13(canvas13, { id: sub, ...names, lti11: signed }));
    expect(after).toMatchObject({ created: false, user: { id: before.user.id } });
    expect(after.user.externalIds).toEqual({ [key11(canvasInstanceGuid)]: legacyId, [key13(canvas13)]: sub });
    // Once the 1.1 tool is gone Canvas signs no lti1p1 claim: the sub found by it is enough.
    const later = await signedOnAs(await launch13(canvas13, { id: sub, ...names }));
    expect(later).toMatchObject({ created: false, user: { id: before.user.id } });
  });
});

describe('Blackboard Learn', () => {
  it('LTI 1.1 with ext_lms, ext_launch_id and the other ext_ parameters', async () => {
    const user = { id: blackboard.lti11!.newUserId(), email: emailOf('jdoe'), givenName: 'Jane', familyName: 'Doe', name: 'Jane Doe' };
    const signOn = await signedOnAs(await launch11(blackboard, user));
    expect(signOn).toMatchObject({ created: true, user: { email: user.email, givenName: 'Jane', familyName: 'Doe' } });
    expect(signOn.user.externalIds).toEqual({ [key11('83656022865f4f47a898b986399a01a8')]: user.id });
  });

  it('LTI 1.3 with only lineitems: the launch is accepted, and the score goes to the column created in that container', async () => {
    const learn = await register(blackboard);
    const user = { id: blackboard.lti13!.newUserId(), email: emailOf('jdoe'), givenName: 'Jane', familyName: 'Doe', name: 'Jane Doe' };
    const signOn = await signedOnAs(await launch13(learn, user));
    expect(signOn).toMatchObject({
      created: true,
      user: { givenName: 'Jane', familyName: 'Doe', externalIds: { [key13(learn)]: user.id } },
    });

    const progress = `/admin/environments/${env}/activities/${activity.id}/progress/${signOn.user.id}`;
    expect((await server.admin.request('PUT', progress, { status: 'completed', score: 80 })).status).toBe(200);
    const deadline = Date.now() + 15_000;
    while ((await server.admin.request('GET', progress)).json.passbacks[0]?.state !== 'delivered') {
      if (Date.now() > deadline) throw new Error('the passback was never delivered');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const column = `${learn.platform.lineItemsUrl('_4_1')}/1/lineitem`;
    expect(learn.platform.scores.map((score) => [score.lineItemUrl, score.body.userId, score.body.scoreGiven])).toEqual([
      [column, user.id, 80],
    ]);
  });
});

describe('Brightspace', () => {
  it('LTI 1.1 with its {guid}_{n} user_id and ext_d2l_ parameters', async () => {
    const user = {
      id: brightspace.lti11!.newUserId(),
      email: emailOf('jsmith'),
      givenName: 'John',
      familyName: 'Smith',
      name: 'John Smith',
    };
    const signOn = await signedOnAs(await launch11(brightspace, user));
    expect(signOn).toMatchObject({ created: true, user: { givenName: 'John', familyName: 'Smith' } });
    expect(signOn.user.externalIds).toEqual({ [key11('a7ed6a1a-6a9d-4f1f-9b0e-5d1e8c0c9d10')]: user.id });
  });

  it('LTI 1.3 with nbf and an empty email: a new learner gets the page naming email, a learner known by sub launches without it', async () => {
    const d2l = await register(brightspace);
    const user = { id: brightspace.lti13!.newUserId(), email: '', givenName: 'John', familyName: 'Smith', name: 'John Smith' };
    await expectError(await launch13(d2l, user), { status: 400, code: 'missing_claim', field: 'email' });
    const first = await signedOnAs(await launch13(d2l, { ...user, email: emailOf('jsmith') }));
    expect(first.created).toBe(true);
    const again = await signedOnAs(await launch13(d2l, user));
    expect(again).toMatchObject({ created: false, user: { id: first.user.id } });
  });
});

describe('Moodle', () => {
  it("LTI 1.1: two Moodles given one key keep their small user ids apart; names not shared fall back to the email's local part", async () => {
    const id = moodle.lti11!.newUserId();
    const a = await signedOnAs(
      await launch11(moodle, { id, email: emailOf('jdoe'), givenName: 'Jane', familyName: 'Doe', name: 'Jane Doe' }),
    );
    const local = unique('jsmith');
    const other = { tool_consumer_instance_guid: 'moodle.other.example' };
    const b = await signedOnAs(await launch11(moodle, { id, email: `${local}@other.example` }, other));
    expect(b.created).toBe(true);
    expect(b.user.id).not.toBe(a.user.id);
    expect(b.user).toMatchObject({ givenName: local, familyName: local });
    expect(a.user.externalIds).toEqual({ [key11(moodleInstanceGuid)]: id });
    expect(b.user.externalIds).toEqual({ [key11('moodle.other.example')]: id });
    // Email not shared any more: each Moodle's learner is still recognised.
    expect((await signedOnAs(await launch11(moodle, { id }))).user.id).toBe(a.user.id);
    expect((await signedOnAs(await launch11(moodle, { id }, other))).user.id).toBe(b.user.id);
  });

  it('LTI 1.3 with a 60-second exp, deployment "1" and a small integer sub', async () => {
    const site = await register(moodle);
    const user = { id: moodle.lti13!.newUserId(), email: emailOf('jdoe'), givenName: 'Jane', familyName: 'Doe', name: 'Jane Doe' };
    const signOn = await signedOnAs(await launch13(site, user));
    expect(signOn).toMatchObject({
      created: true,
      user: { givenName: 'Jane', familyName: 'Doe', externalIds: { [key13(site)]: user.id } },
    });
  });
});

describe('Sakai', () => {
  it('LTI 1.1 with the ext_sakai_ parameters', async () => {
    const user = {
      id: sakai.lti11!.newUserId(),
      email: emailOf('csev'),
      givenName: 'Charles',
      familyName: 'Severance',
      name: 'Charles Severance',
    };
    const signOn = await signedOnAs(await launch11(sakai, user));
    expect(signOn).toMatchObject({ created: true, user: { givenName: 'Charles', familyName: 'Severance' } });
    expect(signOn.user.externalIds).toEqual({ [key11(sakaiInstanceGuid)]: user.id });
  });

  it('LTI 1.3 with only name and email: the given and family names come from the full name; the sub is a URL', async () => {
    const server13 = await register(sakai);
    const user = {
      id: sakai.lti13!.newUserId(),
      email: emailOf('csev'),
      givenName: 'Charles',
      familyName: 'Severance',
      name: 'Charles Severance',
    };
    const signOn = await signedOnAs(await launch13(server13, user));
    expect(signOn).toMatchObject({ created: true, user: { givenName: 'Charles', familyName: 'Severance' } });
    expect(signOn.user.externalIds).toEqual({ [key13(server13)]: user.id });
    // A mononym: the one word is both names.
    const mononym = await signedOnAs(await launch13(server13, { id: sakai.lti13!.newUserId(), email: emailOf('teller'), name: 'Teller' }));
    expect(mononym.user).toMatchObject({ givenName: 'Teller', familyName: 'Teller' });
  });
});

describe('Schoology', () => {
  it('LTI 1.3: two schools under the shared issuer, each registered with its client id, never share a learner with the same sub', async () => {
    const schoolA = await register(schoology, 'Schoology (School A)');
    const schoolB = await register(schoology, 'Schoology (School B)');
    const sub = schoology.lti13!.newUserId();
    const names = { givenName: 'Ana', familyName: 'Lima', name: 'Ana Lima' };
    const a = await signedOnAs(await launch13(schoolA, { id: sub, email: emailOf('ana'), ...names }));
    const b = await signedOnAs(await launch13(schoolB, { id: sub, email: emailOf('ana'), ...names }));
    expect(b.created).toBe(true);
    expect(b.user.id).not.toBe(a.user.id);
    expect(a.user.externalIds).toEqual({ [key13(schoolA)]: sub });
    expect(b.user.externalIds).toEqual({ [key13(schoolB)]: sub });
  });
});

/**
 * A variable an LMS cannot substitute arrives by name (Canvas's documentation; Brightspace's sample
 * sends `$User.Id`). lti-bridge reads no custom parameter, so a variable reaches it only in a field
 * it reads: placed there, in the LMS's shape otherwise, the variable is what these tests put where an
 * administrator's mapping could put it.
 */
describe('unsubstituted variables are treated as absent and never stored', () => {
  it('LTI 1.1: a name that is a variable falls back like a missing one; an email that is one is missing for a new learner', async () => {
    const user = {
      id: moodle.lti11!.newUserId(),
      email: emailOf('jdoe'),
      givenName: 'Jane',
      familyName: '$Person.name.family',
      name: 'Jane Doe',
    };
    const signOn = await signedOnAs(await launch11(moodle, user));
    expect(signOn.user).toMatchObject({ givenName: 'Jane', familyName: 'Doe' });
    // Known by user_id, the learner launches with variables for email and names.
    const known = { id: user.id, email: '$Person.email.primary', givenName: '$Person.name.given', name: '$Person.name.full' };
    expect((await signedOnAs(await launch11(moodle, known))).user).toMatchObject({ id: signOn.user.id, email: user.email });
    const stranger = { id: moodle.lti11!.newUserId(), email: '$Person.email.primary', givenName: 'Ann', familyName: 'Bee' };
    // A verified LTI 1.1 launch's error goes back to the LMS's return URL, named in lti_errorlog.
    const refused = await launch11(moodle, stranger);
    expect(refused.headers.get('location')).toMatch(/^https:\/\/moodle\.school\.example\/mod\/lti\/return\.php\?/);
    await expectError(refused, { status: 302, code: 'missing_parameter', field: 'lis_person_contact_email_primary' });
    expect(
      (await server.admin.request('GET', `/admin/environments/${env}/users?email=${encodeURIComponent('$Person.email.primary')}`)).status,
    ).toBe(404);
  });

  it('LTI 1.3: a given_name that is a variable falls back to the full name less the family name; an email that is one is missing', async () => {
    const canvas13 = await register(canvas, 'Canvas (variables)');
    const user = {
      id: canvas.lti13!.newUserId(),
      email: emailOf('ada'),
      givenName: '$Person.name.given',
      familyName: 'Lovelace',
      name: 'Ada Lovelace',
    };
    const signOn = await signedOnAs(await launch13(canvas13, user));
    expect(signOn.user).toMatchObject({ givenName: 'Ada', familyName: 'Lovelace' });
    const stranger = {
      id: canvas.lti13!.newUserId(),
      email: '$Person.email.primary',
      givenName: 'Ann',
      familyName: 'Bee',
      name: 'Ann Bee',
    };
    await expectError(await launch13(canvas13, stranger), { status: 400, code: 'missing_claim', field: 'email' });
  });
});

describe("the platform's clock (the configured tolerance, jwtClockToleranceSeconds)", () => {
  let tolerance: number;
  let skew: number;
  beforeAll(() => {
    tolerance = server.runtime.config.jwtClockToleranceSeconds;
    // "A few seconds": well within the tolerance (30 s by default).
    skew = Math.min(5, Math.floor(tolerance / 2));
    expect(skew).toBeGreaterThan(0);
  });
  const newUser = (shape: Lti13Shape) => ({
    id: shape.newUserId(),
    email: emailOf('clock'),
    givenName: 'Tim',
    familyName: 'Ahead',
    name: 'Tim Ahead',
  });

  it("accepts Brightspace's nbf a few seconds ahead, and refuses one beyond the tolerance, naming nbf", async () => {
    const d2l = await register(brightspace, 'Brightspace (clock)');
    const ahead = (seconds: number) => (claims: Record<string, unknown>) => void (claims.nbf = Number(claims.iat) + seconds);
    await signedOnAs(await launch13(d2l, newUser(brightspace.lti13!), ahead(skew)));
    await expectError(await launch13(d2l, newUser(brightspace.lti13!), ahead(tolerance + 60)), {
      status: 401,
      code: 'invalid_token',
      field: 'nbf',
    });
  });

  it('accepts an id_token issued a few seconds in the future (a platform clock ahead), and refuses one beyond the tolerance, naming iat', async () => {
    const site = await register(moodle, 'Moodle (clock)');
    const issuedIn = (seconds: number) => (claims: Record<string, unknown>) => {
      claims.iat = Number(claims.iat) + seconds;
      claims.exp = Number(claims.exp) + seconds;
    };
    await signedOnAs(await launch13(site, newUser(moodle.lti13!), issuedIn(skew)));
    await expectError(await launch13(site, newUser(moodle.lti13!), issuedIn(tolerance + 60)), {
      status: 401,
      code: 'invalid_token',
      field: 'iat',
    });
  });
});
