/**
 * AWS SDK clients, created once per cold start. In local mode the same clients are pointed at the
 * local endpoints (embedded dynalite, the local KMS endpoint), so every store and the signer run
 * the code that runs on AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import type { Config } from '../config';

export function dynamoDocumentClient(config: Config): DynamoDBDocumentClient {
  const client = new DynamoDBClient({
    region: config.region,
    ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint } : {}),
    maxAttempts: 3,
  });
  return DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

export function kmsClient(config: Config): KMSClient {
  return new KMSClient({ region: config.region, ...(config.kmsEndpoint ? { endpoint: config.kmsEndpoint } : {}) });
}
