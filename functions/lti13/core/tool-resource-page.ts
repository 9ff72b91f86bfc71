/**
 * `GET /{env}/lti13/activities/{activityId}`: the LTI 1.3 resource URL (target link URI) of an
 * activity, opened directly in a browser. It is the address a platform names in its login
 * initiation (`target_link_uri`), never a page a learner should land on: launches arrive through
 * the OIDC login and the redirect URL. So it answers a page that says what the address is for and
 * what to enter in the LMS, instead of a bare 404 or 405 that would look like a broken link.
 */
import type { Config } from '../../config';
import { pathParam } from '../../http/request';
import { escapeHtml, html, page } from '../../http/responses';
import type { ApiEvent, ApiResult } from '../../http/types';
import { availableActivity, checkLtiEnvironment } from '../../lti/checks';
import type { Lti13LaunchStore } from '../../ports';
import { toolConfiguration } from './tool-urls';

export interface ResourcePageDeps {
  readonly config: Pick<Config, 'publicUrl'>;
  readonly lti13Launches: Lti13LaunchStore;
}

export async function resourcePage(deps: ResourcePageDeps, event: ApiEvent): Promise<ApiResult> {
  const envId = pathParam(event, 'env');
  const activityId = pathParam(event, 'activityId');
  const { environment, activity } = await deps.lti13Launches.loginContext(envId, activityId);
  checkLtiEnvironment(environment);
  const { title } = availableActivity(activity);
  const tool = toolConfiguration(deps.config.publicUrl, envId);
  const resourceUrl = `${deps.config.publicUrl}/${encodeURIComponent(envId)}/lti13/activities/${encodeURIComponent(activityId)}`;
  const row = (label: string, value: string) => `<li>${escapeHtml(label)}: <code>${escapeHtml(value)}</code></li>`;
  const body =
    `<h1>${escapeHtml(title)}</h1>` +
    '<p>This address is the <strong>LTI 1.3 resource URL</strong> (target link URI) of this activity. ' +
    'It opens the activity when a learner launches it from a learning platform (LMS); opening it directly does nothing.</p>' +
    '<p>If you are a learner, open the activity from your course in your learning platform.</p>' +
    '<p>If you administer a learning platform, register the academy there as an LTI 1.3 tool with:</p><ul>' +
    row('Tool URL / target link URI of this activity', resourceUrl) +
    row('OpenID Connect login (initiate login) URL', tool.loginUrl) +
    row('Redirection URI', tool.redirectUrl) +
    row('Public keyset URL', tool.jwksUrl) +
    "</ul><p>and register your platform in the academy (issuer, client ID, deployment ID, and your platform's authentication, access token and keyset URLs).</p>";
  return html(200, page(title, body));
}
