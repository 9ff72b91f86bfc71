/**
 * `npm run bench:nrps`: how long Names and Role Provisioning Services take for a large roster in
 * local mode (the real local server, dynalite, the in-process KMS signer), on both sides. It reports;
 * it never fails on a time (exit 0 unless something is wrong).
 *
 * - Tool side: `POST …/roster-sync` of an activity whose context, on a test LMS, lists N learners,
 *   in pages of 1000: the first run creates N accounts and enrols them, the second recognises and
 *   finds them enrolled, the third (another activity of the same context) recognises and enrols.
 * - Platform side: `GET …/memberships` of an external activity with N enrolled learners, every page
 *   at `limit=1000`.
 *
 *   npm run bench:nrps                 10,000 members
 *   npm run bench:nrps -- --members 2000
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { issueAccessToken } from '../functions/lti13/core/platform-access-tokens';
import { startTestServer, type TestServer } from '../test/fixtures/local-server';
import { launchFromPlatform, TestPlatform } from '../test/fixtures/lti13-platform';

const { values } = parseArgs({ options: { members: { type: 'string', default: '10000' } } });
const size = Number(values.members);
const env = 'bench';

async function admin(server: TestServer, method: string, path: string, body?: unknown): Promise<any> {
  const answer = await server.admin.request(method, `/admin/environments/${env}${path}`, body);
  if (answer.status >= 300) throw new Error(`${method} ${path}: ${answer.status} ${answer.text}`);
  return answer.json;
}

async function timed<T>(label: string, run: () => Promise<T>): Promise<{ result: T; seconds: number }> {
  const started = process.hrtime.bigint();
  const result = await run();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(`${label}: ${seconds.toFixed(2)} s, ${Math.round(size / seconds)} members/s`);
  return { result, seconds };
}

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  console.log(`NRPS, ${size} members, local mode, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), node ${process.version}`);
  const server = await startTestServer();
  const platform = await TestPlatform.start();
  try {
    platform.redirectUris = [`${server.baseUrl}/${env}/lti13/launch`];
    platform.toolJwksUrl = `${server.baseUrl}/.well-known/jwks.json`;
    platform.membershipPageSize = 1000;
    await server.admin.request('PUT', `/admin/environments/${env}`, {
      name: 'Bench',
      ltiEnabled: true,
      academyUrl: 'https://academy.example/',
    });
    const registered = await admin(server, 'POST', '/platforms', { ...platform.registration(), name: 'Bench LMS' });
    const roster = Array.from({ length: size }, (_, index) => {
      const id = `s${String(index).padStart(6, '0')}`;
      return { status: 'Active', user_id: id, given_name: 'Student', family_name: id, email: `${id}@school.example`, roles: ['Learner'] };
    });
    platform.memberships.set('big', roster);

    const activities: string[] = [];
    for (const title of ['First', 'Second']) {
      const activity = await admin(server, 'POST', '/activities', { type: 'e-learning', title, availableForLti: true });
      activities.push(activity.id);
      const launched = await launchFromPlatform(platform, {
        loginUrl: registered.toolConfiguration.loginUrl,
        targetLinkUri: activity.ltiAccess.lti13.resourceUrl,
        loginHint: `launcher-${title}`,
        scenario: { claims: platform.withNrps('big') },
      });
      if (launched.launch?.status !== 303) throw new Error(`launch: ${launched.launch?.status} ${launched.launch?.text}`);
    }
    const sync = (activityId: string) => admin(server, 'POST', `/activities/${activityId}/roster-sync`);
    const summary = (answer: any) =>
      `members ${answer.members}, created ${answer.created}, enrolled ${answer.enrolled}, already ${answer.alreadyEnrolled}, skipped ${answer.skipped.length}`;
    const first = await timed('tool side, first sync (accounts created and enrolled)', () => sync(activities[0]!));
    console.log(`  ${summary(first.result)}`);
    const again = await timed('tool side, same sync again (recognised, already enrolled)', () => sync(activities[0]!));
    console.log(`  ${summary(again.result)}`);
    const other = await timed('tool side, another activity (recognised, enrolled)', () => sync(activities[1]!));
    console.log(`  ${summary(other.result)}`);

    // Platform side: an external activity whose N learners are enrolled as launches enrol them.
    const tool = await admin(server, 'POST', '/tools', {
      name: 'Bench tool',
      oidcUrl: 'https://tool.example/login',
      jwksUrl: 'https://tool.example/jwks',
      activated: true,
    });
    const external = await admin(server, 'POST', '/activities', {
      type: 'e-learning',
      title: 'External',
      lti: { version: '1.3', toolId: tool.id, resourceUrl: 'https://tool.example/launch' },
    });
    const userIds: string[] = [];
    for (const { email } of roster) {
      userIds.push((await admin(server, 'GET', `/users?email=${encodeURIComponent(email)}`)).id);
      if (userIds.length === 1) console.log('platform side: enrolling the synced learners in an external activity (not measured)…');
    }
    for (let at = 0; at < userIds.length; at += 50) {
      await Promise.all(
        userIds
          .slice(at, at + 50)
          .map((userId) =>
            server.runtime.platform.recordLaunchedLearner(
              { environmentId: env, activityId: external.id, userId, toolId: tool.id },
              Date.now(),
            ),
          ),
      );
    }
    const { access_token: token } = await issueAccessToken(server.runtime, {
      environmentId: env,
      toolId: tool.id,
      clientId: tool.id,
      scopes: ['https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly'],
    });
    const read = await timed('platform side, every memberships page at limit=1000', async () => {
      let url: string | undefined = `${server.baseUrl}/${env}/lti13/nrps/${external.id}/memberships?limit=1000`;
      let members = 0;
      let pages = 0;
      while (url) {
        const response: Response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        if (response.status !== 200) throw new Error(`memberships: ${response.status} ${await response.text()}`);
        members += ((await response.json()) as { members: unknown[] }).members.length;
        pages++;
        url = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
      }
      return { members, pages };
    });
    console.log(
      `  members ${read.result.members} in ${read.result.pages} pages, ${((read.seconds / read.result.pages) * 1000).toFixed(0)} ms a page`,
    );
  } finally {
    await platform.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
