/**
 * The DynamoDB client, created once per configuration (once per cold start on Lambda): every store
 * of a runtime shares it, and so does whatever else is built from the same configuration (the
 * local server's recovery scan, tests watching the handlers' requests). In local mode it points at
 * the embedded dynalite, with the configuration's credentials (which it ignores) so that the SDK
 * looks for none, and every store runs the code that runs on AWS.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config';
import { localCredentials } from './local-credentials';

const clients = new WeakMap<Config, DynamoDBDocumentClient>();

export function dynamoDocumentClient(config: Config): DynamoDBDocumentClient {
  let document = clients.get(config);
  if (!document) {
    const client = new DynamoDBClient({
      region: config.region,
      ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint, credentials: localCredentials(config) } : {}),
      maxAttempts: 3,
    });
    document = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    clients.set(config, document);
  }
  return document;
}
