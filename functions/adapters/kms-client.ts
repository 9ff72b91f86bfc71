/**
 * The KMS client, created once per cold start, apart from the DynamoDB client so that a function
 * that only signs (or only publishes keys) does not bundle DynamoDB, and the other way round. In
 * local mode it points at the local KMS endpoint, with the configuration's credentials (which it
 * ignores) so that the SDK looks for none, and the signer runs the code that runs on AWS.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import type { Config } from '../config';
import { localCredentials } from './local-credentials';

export function kmsClient(config: Config): KMSClient {
  return new KMSClient({
    region: config.region,
    ...(config.kmsEndpoint ? { endpoint: config.kmsEndpoint, credentials: localCredentials(config) } : {}),
  });
}
