/**
 * `GET /{env}/lti13/deep-linking`: the deep linking URL opened directly in a browser. Deep linking
 * requests arrive through the OIDC login and launch URLs (Deep Linking 2.0 §2.1), never here, so,
 * as an activity's resource URL does (`../core/tool-resource-page.ts`), it answers a page that says
 * what the address is for and what to enter in the LMS, instead of a bare 404 that would look like
 * a broken link.
 */
import type { Config } from '../../config';
import { pathParam } from '../../http/request';
import { escapeHtml, html, page } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { ltiEnvironment } from '../../lti/checks';
import type { EnvironmentStore } from '../../ports';
import { toolConfiguration } from '../core/tool-urls';

export interface DeepLinkingUrlPageDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly environments: Pick<EnvironmentStore, 'get'>;
}

export async function deepLinkingUrlPage(deps: DeepLinkingUrlPageDeps, event: ApiEvent): Promise<ApiResult> {
  const envId = pathParam(event, 'env');
  const environment = await ltiEnvironment(deps, envId);
  const tool = toolConfiguration(deps.config.publicUrl, envId);
  const row = (label: string, value: string) => `<li>${escapeHtml(label)}: <code>${escapeHtml(value)}</code></li>`;
  const title = `Choose activities from ${environment.name}`;
  const body =
    `<h1>${escapeHtml(title)}</h1>` +
    '<p>This address is the <strong>LTI 1.3 deep linking URL</strong> of this academy. A learning platform (LMS) ' +
    'opens it when an instructor adds content ("Select content", "External tool"): the academy then shows its activities to choose from. ' +
    'Opening it directly does nothing.</p>' +
    '<p>If you administer a learning platform, register the academy there as an LTI 1.3 tool with:</p><ul>' +
    row('Deep linking URL (content selection URL)', tool.deepLinkingUrl) +
    row('OpenID Connect login (initiate login) URL', tool.loginUrl) +
    row('Redirection URI', tool.redirectUrl) +
    row('Public keyset URL', tool.jwksUrl) +
    '</ul>';
  return html(200, page(title, body));
}
