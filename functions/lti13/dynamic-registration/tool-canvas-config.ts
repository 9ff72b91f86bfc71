/**
 * `GET /{env}/lti13/canvas-config.json`: the configuration a Canvas administrator enters by URL
 * when creating an LTI developer key (Admin → Developer Keys → + Developer Key → + LTI Key, Method
 * "Enter URL"), in the JSON shape Canvas documents for it: "Configuring LTI Advantage Tools",
 * https://developerdocs.instructure.com/services/canvas/external-tools/lti/file.lti_dev_key_config
 * (`title`, `description`, `oidc_initiation_url`, `target_link_uri`, `public_jwk_url`, `scopes`,
 * `extensions[]` with `platform: "canvas.instructure.com"`, `privacy_level` and `settings.placements`,
 * `custom_fields`).
 *
 * The academy's links are made by deep linking, so the placements are Canvas's content selection
 * ones, `link_selection` (modules) and `assignment_selection` (assignments), each an
 * `LtiDeepLinkingRequest` to the deep linking URL. Canvas's "Redirect URIs" field is not part of
 * this JSON: the setup sheet (`./tool-setup-sheets.ts`) says what to enter there.
 */
import { HttpError, ltiDisabledMessage } from '../../errors';
import type { Config } from '../../config';
import { pathParam } from '../../http/request';
import { json } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiEnvironment } from '../../lti/checks';
import type { EnvironmentStore } from '../../ports';
import { toolConfiguration } from '../core/tool-urls';
import { deepLinkingMessageTypes } from '../deep-linking/vocabulary';
import { toolScopes } from './tool-client-registration';
import { canvasDeepLinkingPlacements } from './vocabulary';

export interface CanvasConfigDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: Pick<EnvironmentStore, 'get'>;
}

/** The developer key JSON of an environment named `name`. */
export function canvasConfiguration(publicUrl: string, environmentId: string, name: string): Record<string, unknown> {
  const tool = toolConfiguration(publicUrl, environmentId);
  const domain = new URL(publicUrl).host;
  return {
    title: name,
    description: `The activities of ${name}, launched over LTI 1.3 with lti-bridge.`,
    oidc_initiation_url: tool.loginUrl,
    target_link_uri: tool.deepLinkingUrl,
    public_jwk_url: tool.jwksUrl,
    scopes: [...toolScopes],
    extensions: [
      {
        platform: 'canvas.instructure.com',
        domain,
        tool_id: 'lti-bridge',
        // Canvas sends names and email only at "public" (the academy needs them to find or create learners).
        privacy_level: 'public',
        settings: {
          text: name,
          placements: canvasDeepLinkingPlacements.map((placement) => ({
            placement,
            message_type: deepLinkingMessageTypes.request,
            target_link_uri: tool.deepLinkingUrl,
            text: name,
            enabled: true,
          })),
        },
      },
    ],
    // The academy needs no custom field: a link's activity is its target link URI.
    custom_fields: {},
  };
}

export async function canvasConfig(deps: CanvasConfigDeps, event: ApiEvent): Promise<ApiResult> {
  const envId = pathParam(event, 'env');
  const environment = await ltiEnvironment(deps, envId, {
    unknown: () => new HttpError(404, 'not_found', 'there is no such environment'),
    disabled: () => new HttpError(403, 'lti_disabled', ltiDisabledMessage),
  });
  return json(200, canvasConfiguration(deps.config.publicUrl, envId, environment.name));
}
