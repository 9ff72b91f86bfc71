/**
 * The LTI 1.2 deliverer (`functions/lti12/tool-passback.ts`): which progress becomes which
 * `textString`, and the checks made before anything is signed. Sends go to the independent test
 * LMS of `test/fixtures/outcomes-receiver.ts`.
 */
import { DeliveryError } from '../../../functions/academy/passback/deliverer';
import { deliverers } from '../../../functions/app/deliverers';
import { lti12Deliverer } from '../../../functions/lti12/tool-passback';
import { lti12Score } from '../../../functions/lti12/tool-passback-target';
import type { Activity, Progress } from '../../../functions/academy/model';
import { createHttpClient } from '../../../functions/http/outbound';
import type { Lti12Binding } from '../../../functions/ports';
import { startOutcomesReceiver, type OutcomesReceiver } from '../../fixtures/outcomes-receiver';

const activity: Activity = {
  id: 'act-1',
  environmentId: 'env-1',
  type: 'e-learning',
  title: 'Course',
  availableForLti: true,
  lti12Credentials: { key: 'key-1', secret: 's3cret' },
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const progress = (status: Progress['status'], score?: number): Progress => ({
  environmentId: 'env-1',
  activityId: 'act-1',
  userId: 'u-1',
  status,
  ...(score !== undefined ? { score } : {}),
  updatedAt: '2026-01-01T00:00:00.000Z',
});

let receiver: OutcomesReceiver;
const deps = () => ({
  http: createHttpClient({ allowPrivate: true, timeoutMs: 2000 }),
  clock: { now: () => Date.now() },
  signer: { publicKeys: () => Promise.reject(new Error('unused')), signJwt: () => Promise.reject(new Error('unused')) },
  // The activity is a record from before secrets were sealed: its plaintext secret signs, nothing is opened.
  secrets: { open: () => Promise.reject(new Error('a plaintext secret is not opened')) },
  config: {} as never,
});
const binding = (overrides: Partial<Lti12Binding> = {}): Lti12Binding => ({
  version: '1.2',
  consumerKey: 'key-1',
  serviceUrl: `${receiver.baseUrl}/grade?ctx=9`,
  sourcedId: 'sourced-1',
  ...overrides,
});

async function deliveryError(promise: Promise<unknown>): Promise<DeliveryError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  return error as DeliveryError;
}

beforeAll(async () => {
  receiver = await startOutcomesReceiver();
  receiver.secrets.set('key-1', 's3cret');
});
afterAll(() => receiver.close());

describe('lti12Score: progress → resultScore/textString (IG §6.1.1, 0.0 … 1.0)', () => {
  it.each<[Progress['status'], number | undefined, string | undefined]>([
    ['completed', 85, '0.85'],
    ['completed', 100, '1.0'],
    ['completed', 0, '0.0'],
    ['completed', 33.333333, '0.3333'],
    ['completed', undefined, '1.0'],
    ['passed', 92.5, '0.925'],
    ['passed', undefined, '1.0'],
    ['failed', 40, '0.4'],
    ['failed', undefined, '0.0'],
    ['in-progress', 50, undefined],
    ['in-progress', undefined, undefined],
    ['not-attempted', undefined, undefined],
  ])('%s with score %p → %p', (status, score, expected) => {
    expect(lti12Score({ status, score })).toBe(expected);
    expect(lti12Deliverer.carries(progress(status, score))).toBe(expected !== undefined);
  });
});

describe('lti12Deliverer', () => {
  it('is the registered deliverer of version 1.2, targeting the outcome service URL', () => {
    expect(deliverers['1.2']).toBe(lti12Deliverer);
    expect(lti12Deliverer.target(binding({ serviceUrl: 'https://lms.example/o?x=1' }))).toBe('https://lms.example/o?x=1');
  });

  it('sends replaceResult with the activity key and secret, a random message id and nonce each time', async () => {
    await lti12Deliverer.deliver({ binding: binding(), progress: progress('completed', 85), activity }, deps());
    await lti12Deliverer.deliver({ binding: binding(), progress: progress('completed', 85), activity }, deps());
    const sent = await receiver.waitFor(2, (r) => r.sourcedId === 'sourced-1');
    expect(sent.map((r) => [r.score, r.signatureValid, r.bodyHashValid, r.oauth.oauth_consumer_key])).toEqual([
      ['0.85', true, true, 'key-1'],
      ['0.85', true, true, 'key-1'],
    ]);
    expect(sent[0]!.messageId).not.toBe(sent[1]!.messageId);
    expect(sent[0]!.oauth.oauth_nonce).not.toBe(sent[1]!.oauth.oauth_nonce);
    expect(sent[0]!.messageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a binding whose consumer key is not the activity key, before sending anything', async () => {
    const before = receiver.received.length;
    const error = await deliveryError(
      lti12Deliverer.deliver({ binding: binding({ consumerKey: 'old-key' }), progress: progress('completed', 50), activity }, deps()),
    );
    expect(error.retryable).toBe(false);
    expect(error.message).toBe(
      'the LMS launched with the LTI 1.2 key old-key, which is no longer a key of this activity (revoked, or LTI turned off), so the result cannot be signed; the learner must launch again',
    );
    expect(error.message).not.toContain('s3cret');
    expect(receiver.received.length).toBe(before);
  });

  it('refuses an activity without LTI 1.2 credentials', async () => {
    const { lti12Credentials: _gone, ...bare } = activity;
    const error = await deliveryError(
      lti12Deliverer.deliver({ binding: binding(), progress: progress('completed', 50), activity: bare }, deps()),
    );
    expect(error).toMatchObject({ retryable: false, message: expect.stringContaining('no longer a key of this activity') });
  });

  it('signs with the credential issued for the LMS that launched, when it was one of those', async () => {
    const issued = { key: 'lms-key', secret: 'lms-s3cret', name: 'Moodle', createdAt: '2026-01-01T00:00:00.000Z' };
    receiver.secrets.set('lms-key', 'lms-s3cret');
    const before = receiver.received.length;
    await lti12Deliverer.deliver(
      {
        binding: binding({ consumerKey: 'lms-key' }),
        progress: progress('completed', 40),
        activity: { ...activity, lmsCredentials: [issued] },
      },
      deps(),
    );
    const [sent] = receiver.received.slice(before);
    expect(sent).toMatchObject({ signatureValid: true, oauth: { oauth_consumer_key: 'lms-key' } });
  });

  it('turns the outcome service’s answer into a DeliveryError that says whether to retry', async () => {
    receiver.answer = () => ({ status: 503 });
    try {
      const error = await deliveryError(lti12Deliverer.deliver({ binding: binding(), progress: progress('passed', 70), activity }, deps()));
      expect(error).toMatchObject({ retryable: true, message: 'the outcome service answered HTTP 503' });
    } finally {
      receiver.answer = () => ({ status: 200, codeMajor: 'success' });
    }
  });
});
