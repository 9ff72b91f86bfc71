/**
 * The academy as LTI 1.3 tool's deep linking URL: the picker's choice (`POST`) comes back and is
 * signed as an `LtiDeepLinkingResponse` with the runtime's signer (KMS); opened directly (`GET`), it
 * answers a page that says what it is for. Apart from the launch function (`./lti13-tool.ts`), which
 * opens the picker, so that the launch never bundles the KMS client.
 */
import { lambda } from '../http/lambda';
import { launchPage } from '../http/renderers/launch-page';
import { pickerChoice } from '../lti13/deep-linking/tool-response';
import { deepLinkingUrlPage } from '../lti13/deep-linking/tool-url-page';
import type { Runtime, RuntimeParts } from '../app/runtime';

export function createHandler(rt: () => Runtime & Pick<RuntimeParts, 'signer'>) {
  return lambda(
    {
      'GET /{env}/lti13/deep-linking': (event) => deepLinkingUrlPage(rt(), event),
      'POST /{env}/lti13/deep-linking': (event) => pickerChoice(rt(), event),
    },
    launchPage,
  );
}
