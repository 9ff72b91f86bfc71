/**
 * The composition root: builds the adapters a handler needs from the configuration, once per cold
 * start, on first use (no I/O at import time). Tests and the local server use the same path; the
 * local server only sets the configuration's endpoints.
 *
 * The signer is not here but in `./signer.ts`, so that functions that never sign do not
 * bundle the KMS client.
 */
import { config as loadConfig, type Config } from '../config';
import { dynamoDocumentClient } from '../adapters/dynamo-client';
import { DynamoActivityStore, DynamoEnvironmentStore, DynamoUserStore } from '../adapters/dynamo-academy';
import { DynamoLaunchStore } from '../adapters/dynamo-launch';
import { DynamoSingleUseStore } from '../adapters/dynamo-single-use';
import { DynamoProgressStore } from '../adapters/dynamo-progress';
import { DynamoPlatformStore } from '../adapters/dynamo-platform';
import { DynamoPassbackStore } from '../adapters/dynamo-passback';
import type { PassbackStore } from '../ports';
import { DynamoAccessTokenStore } from '../adapters/dynamo-access-tokens';
import { DynamoAgsStore } from '../adapters/dynamo-ags';
import { DynamoLti13LaunchStore, DynamoPlatformRegistrationStore } from '../adapters/dynamo-platforms';
import { DynamoToolStore } from '../adapters/dynamo-tools';
import { createHttpClient } from '../http/outbound';
import type { HttpClient } from '../ports';
import {
  systemClock,
  type AccessTokenStore,
  type AgsStore,
  type ActivityStore,
  type Clock,
  type EnvironmentStore,
  type ToolStore,
  type LaunchStore,
  type PlatformStore,
  type Lti13LaunchStore,
  type PlatformRegistrationStore,
  type ProgressStore,
  type SingleUseStore,
  type UserStore,
} from '../ports';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface Runtime {
  readonly config: Config;
  readonly clock: Clock;
  readonly dynamo: DynamoDBDocumentClient;
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
  /** Every nonce, OIDC state, launch ticket, sign-on code and pending login: used once. */
  readonly singleUse: SingleUseStore;
  /** Every outbound call (JWKS, tokens, scores, outcomes) goes through it. */
  readonly http: HttpClient;
}

function createRuntime(config: Config): Runtime {
  const dynamo = dynamoDocumentClient(config);
  const tables = config.tables;
  return {
    config,
    clock: systemClock,
    dynamo,
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
    singleUse: new DynamoSingleUseStore(dynamo, tables.ephemeral),
    http: createHttpClient({ allowPrivate: config.localMode }),
  };
}

let current: Runtime | undefined;

export function runtime(): Runtime {
  current ??= createRuntime(loadConfig());
  return current;
}
