/** The roster sync (`POST /admin/environments/{env}/activities/{id}/roster-sync`, IAM-authorized): it signs client assertions (KMS). */
import { rosterSyncRoutes } from '../admin/roster-sync';
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'signer'>) {
  return lambda(rosterSyncRoutes(rt), apiJson);
}
