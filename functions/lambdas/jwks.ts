/**
 * `GET /.well-known/jwks.json`: the JSON Web Key Set (RFC 7517 §5) that platforms and tools fetch
 * to verify lti-bridge's id_tokens and client assertions (the 1EdTech Security Framework's key set
 * URL). It lists the public half of every configured KMS key, the signing key first.
 */
import { KmsPublicKeySource } from '../adapters/kms-public-keys';
import { HttpError } from '../errors';
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import { json } from '../http/responses';
import type { Runtime } from '../app/runtime';

/** Only the configuration: this function bundles neither a store nor the KMS client. */
export function createHandler(rt: () => Pick<Runtime, 'config'>) {
  let source: KmsPublicKeySource | undefined;
  const keySource = (): KmsPublicKeySource => {
    if (!source) {
      const { region, kmsEndpoint, awsCredentials, signingKeyIds } = rt().config;
      if (!awsCredentials) throw new HttpError(500, 'misconfigured', 'no AWS credentials in the environment');
      source = new KmsPublicKeySource({ region, endpoint: kmsEndpoint, credentials: awsCredentials, keyIds: signingKeyIds });
    }
    return source;
  };
  return lambda(
    {
      // Cacheable for five minutes: short enough that a key added for rotation is seen well before
      // it signs, long enough that verifiers do not call KMS on every launch.
      'GET /.well-known/jwks.json': async () =>
        json(200, { keys: await keySource().publicKeys() }, { 'cache-control': 'public, max-age=300' }),
    },
    apiJson,
  );
}
