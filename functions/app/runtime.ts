/**
 * The composition root: `createRuntime` builds every store and adapter from a configuration, once,
 * with no I/O (clients connect on their first request); `overrides` replace any part and add the
 * {@link RuntimeParts} (tests; the local server's signer and in-process passback queue).
 *
 * A Lambda's runtime is `processRuntime`, built from the process's configuration on first use,
 * with the parts only that function builds: the KMS signer (`./signer.ts`) where it signs, the KMS
 * secret box (`./secrets.ts`) where it seals or opens LTI 1.2 secrets, the SQS passback queue
 * (`./passback.ts`) where it queues, so that the others bundle neither client and their runtime's
 * type has neither.
 */
import type { PassbackOpeningDeps } from '../academy/passback/dispatcher';
import type { Config } from '../config';
import { dynamoDocumentClient } from '../adapters/dynamo-client';
import { DynamoActivityStore, DynamoEnvironmentStore, DynamoUserStore } from '../adapters/dynamo-academy';
import { DynamoLaunchStore } from '../adapters/dynamo-launch';
import { DynamoSingleUseStore } from '../adapters/dynamo-single-use';
import { DynamoProgressStore } from '../adapters/dynamo-progress';
import { DynamoPlatformStore } from '../adapters/dynamo-platform';
import { DynamoPassbackStore } from '../adapters/dynamo-passback';
import type { PassbackQueue, PassbackStore, SecretBox, Signer } from '../ports';
import { DynamoAccessTokenStore } from '../adapters/dynamo-access-tokens';
import { DynamoAgsStore } from '../adapters/dynamo-ags';
import { DynamoLti13LaunchStore, DynamoPlatformRegistrationStore } from '../adapters/dynamo-platforms';
import { DynamoToolStore } from '../adapters/dynamo-tools';
import { DynamoDeepLinkStore } from '../adapters/dynamo-deep-links';
import { DynamoRosterStore } from '../adapters/dynamo-roster';
import { createHttpClient } from '../http/outbound';
import type { HttpClient } from '../ports';
import {
  systemClock,
  type AccessTokenStore,
  type AgsStore,
  type ActivityStore,
  type Clock,
  type DeepLinkStore,
  type EnvironmentStore,
  type ToolStore,
  type LaunchStore,
  type PlatformStore,
  type Lti13LaunchStore,
  type PlatformRegistrationStore,
  type ProgressStore,
  type RosterStore,
  type SingleUseStore,
  type UserStore,
} from '../ports';
import { processConfig } from './config';

export interface Runtime {
  readonly config: Config;
  readonly clock: Clock;
  readonly environments: EnvironmentStore;
  readonly activities: ActivityStore;
  readonly users: UserStore;
  readonly launches: LaunchStore;
  readonly progress: ProgressStore;
  /** Academy as platform: the reads and sourcedIds of launches and Basic Outcomes. */
  readonly platform: PlatformStore;
  /** Passback bindings and deliveries (progress back to the LMS). */
  readonly passbacks: PassbackStore;
  readonly accessTokens: AccessTokenStore;
  /** Academy as LTI 1.3 platform: AGS line items and results. */
  readonly ags: AgsStore;
  /** Academy as LTI 1.3 tool: the platforms that may launch it, and what its logins and launches read. */
  readonly platformRegistrations: PlatformRegistrationStore;
  readonly lti13Launches: Lti13LaunchStore;
  /** Academy as LTI 1.3 platform: tool registrations. */
  readonly tools: ToolStore;
  /** Academy as LTI 1.3 platform: the deep linking requests sent to tools, and what they added. */
  readonly deepLinks: DeepLinkStore;
  /** Academy as tool: where its activities' platform rosters are read, and what a roster sync writes. */
  readonly roster: RosterStore;
  /** Every nonce, OIDC state, launch ticket, sign-on code and pending login: used once. */
  readonly singleUse: SingleUseStore;
  /** Every outbound call (JWKS, tokens, scores, outcomes) goes through it. */
  readonly http: HttpClient;
}

/** What only some functions have: a function's runtime has those it may use (its permissions). */
export interface RuntimeParts {
  /** Signs id_tokens and client assertions: KMS (`./signer.ts`). */
  readonly signer: Signer;
  /** Where passback attempts are queued: SQS (`./passback.ts`), or the local server's in-process queue. */
  readonly passbackQueue: PassbackQueue;
  /** Seals and opens LTI 1.2 secrets: KMS (`./secrets.ts`); the admin API's only seals. */
  readonly secrets: SecretBox;
}

export type RuntimeOverrides = Partial<Runtime & RuntimeParts>;

/**
 * The admin API's runtime: it opens passbacks (`./delivery-targets.ts`) and queues their first
 * attempts, and seals LTI 1.2 secrets; it never sends a passback nor signs.
 */
export type PassbackRuntime = Runtime & PassbackOpeningDeps & Pick<RuntimeParts, 'secrets'>;

export function createRuntime<O extends RuntimeOverrides = {}>(config: Config, overrides: O = {} as O): Runtime & O {
  const dynamo = dynamoDocumentClient(config);
  const tables = config.tables;
  return {
    config,
    clock: systemClock,
    environments: new DynamoEnvironmentStore(dynamo, tables.data),
    activities: new DynamoActivityStore(dynamo, tables.data),
    users: new DynamoUserStore(dynamo, tables.data),
    launches: new DynamoLaunchStore(dynamo, tables),
    progress: new DynamoProgressStore(dynamo, tables.data),
    platform: new DynamoPlatformStore(dynamo, tables.data),
    passbacks: new DynamoPassbackStore(dynamo, tables.data),
    accessTokens: new DynamoAccessTokenStore(dynamo, tables.ephemeral),
    ags: new DynamoAgsStore(dynamo, tables.data),
    platformRegistrations: new DynamoPlatformRegistrationStore(dynamo, tables.data),
    lti13Launches: new DynamoLti13LaunchStore(dynamo, tables.data),
    tools: new DynamoToolStore(dynamo, tables.data),
    deepLinks: new DynamoDeepLinkStore(dynamo, tables.data),
    roster: new DynamoRosterStore(dynamo, tables.data),
    singleUse: new DynamoSingleUseStore(dynamo, tables.ephemeral),
    http: createHttpClient({ allowPrivate: config.localMode }),
    ...overrides,
  };
}

/**
 * The runtime of this process's Lambda function, as a getter that builds it on first use (once
 * per cold start, from `processConfig()`), with the `parts` only this function builds from the
 * same configuration: e.g. `processRuntime((config) => ({ signer: kmsSigner(config) }))`.
 */
export function processRuntime<O extends RuntimeOverrides = {}>(parts?: (config: Config) => O): () => Runtime & O {
  let built: (Runtime & O) | undefined;
  return () => {
    if (!built) {
      const config = processConfig();
      built = createRuntime(config, parts?.(config));
    }
    return built;
  };
}
