/**
 * The academy as LTI 1.3 tool's deep linking picker (`POST /{env}/lti13/deep-linking`): the choice
 * comes back and is signed as an `LtiDeepLinkingResponse` with the runtime's signer (KMS). Apart
 * from the launch function (`./lti13-tool.ts`), which opens the picker, so that the launch never
 * bundles the KMS client.
 */
import { lambda } from '../http/lambda';
import { launchPage } from '../http/renderers/launch-page';
import { pickerChoice } from '../lti13/deep-linking/tool-response';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'signer'>) {
  return lambda({ 'POST /{env}/lti13/deep-linking': (event) => pickerChoice(rt(), event) }, launchPage);
}
