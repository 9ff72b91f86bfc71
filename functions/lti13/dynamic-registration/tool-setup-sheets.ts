/**
 * Per-LMS setup sheets (docs/product.md "Dynamic Registration 1.0"): what an LMS administrator
 * enters in that LMS, in its own field names and order, `{lms, steps: [{label, value}], notes}`.
 *
 * - The platform sheet (`GET …/platforms/{id}/setup?lms=`): adding the academy to the LMS as an LTI
 *   1.3 tool, by hand or by the dynamic registration route, and which of the LMS's values the
 *   academy has for that platform.
 * - The activity sheet (`GET …/activities/{id}/setup?lms=`): one activity's LTI 1.3 link and its
 *   LTI 1.2 launch URL and key. A secret is never printed (it is stored sealed): the sheet says where
 *   it comes from.
 *
 * Every label is sourced from the LMS's own documentation (or, where that is silent, a public
 * integration guide), cited next to it; a label no source confirms says so. Pure data; no zod, so
 * that it could be served by any function (only the admin API does).
 */
import type { Activity, Platform } from '../../academy/model';
import { HttpError } from '../../errors';
import { toolConfiguration, toolResourceUrl } from '../core/tool-urls';
import { canvasConfigUrl } from './tool-registration-urls';

/** The LMSs a sheet is written for, and `generic` (the specifications' own names). */
export const setupLmsValues = ['moodle', 'canvas', 'brightspace', 'blackboard', 'sakai', 'schoology', 'generic'] as const;
export type SetupLms = (typeof setupLmsValues)[number];

export interface SetupStep {
  readonly label: string;
  readonly value: string;
}

export interface SetupSheet {
  readonly lms: SetupLms;
  readonly steps: readonly SetupStep[];
  readonly notes: readonly string[];
}

/** The `lms` query parameter, checked: a 400 naming `lms` otherwise. */
export function setupLms(value: string | undefined): SetupLms {
  if ((setupLmsValues as readonly string[]).includes(value ?? '')) return value as SetupLms;
  throw new HttpError(400, 'invalid_request', `lms must be one of ${setupLmsValues.join(', ')}`, { field: 'lms' });
}

const step = (label: string, value: string): SetupStep => ({ label, value });

/** The academy's URLs a platform sheet gives, and what it knows of the platform. */
interface PlatformContext {
  readonly tool: ReturnType<typeof toolConfiguration>;
  readonly platform: Platform;
  readonly environmentName: string;
  readonly canvasConfigUrl: string;
}

const registrationRoute =
  'POST /admin/environments/{env}/registrations (CLI: registrations create) gives a one-time registrationUrl, valid 7 days';

/** What the academy holds of the platform, to compare with what the LMS shows. */
function knownValues(
  platform: Platform,
  names: { issuer: string; clientId: string; deploymentId: string; auth: string; token: string; jwks: string },
) {
  return (
    `The academy has this platform as: ${names.issuer} = ${platform.issuer}; ${names.clientId} = ${platform.clientId}; ` +
    `${names.deploymentId} = ${platform.deploymentIds.join(', ') || '(any: each deployment is accepted and remembered at its first launch)'}; ` +
    `${names.auth} = ${platform.authUrl}; ${names.token} = ${platform.tokenUrl}; ${names.jwks} = ${platform.jwksUrl}. ` +
    `Change them with PATCH …/platforms/${platform.id} (CLI: platforms update).` +
    (platform.activated ? '' : ` The platform is not active: PATCH it with {"activated": true} before the first launch.`)
  );
}

const platformSheets: { readonly [L in SetupLms]: (context: PlatformContext) => Omit<SetupSheet, 'lms'> } = {
  // Labels: Moodle's "Configure a tool manually" form (Site administration → Plugins → Activity
  // modules → External tool → Manage tools), as MoodleDocs "External tool settings"
  // (https://docs.moodle.org/en/External_tool_settings) and integration guides that reproduce the
  // form show them (https://support.watermarkinsights.com/hc/en-us/articles/21163574085531,
  // https://support.scorm.com/hc/en-us/articles/9170206910235-Setting-up-LTI-1-3-in-Moodle-from-Content-Controller).
  moodle: ({ tool, platform, environmentName }) => ({
    steps: [
      step('Tool name', environmentName),
      step('Tool URL', tool.deepLinkingUrl),
      step('LTI version', 'LTI 1.3'),
      step('Public key type', 'Keyset URL'),
      step('Public keyset', tool.jwksUrl),
      step('Initiate login URL', tool.loginUrl),
      step('Redirection URI(s)', tool.redirectUrl),
      step('Supports Deep Linking (Content-Item Message)', 'checked'),
      step('Content Selection URL', tool.deepLinkingUrl),
      step('IMS LTI Assignment and Grade Services', 'Use this service for grade sync and column management'),
      step('IMS LTI Names and Role Provisioning', "Use this service to retrieve members' information as per privacy settings"),
      // "Share launcher's name/email with tool": Moodle's Privacy section (MoodleDocs External tool settings).
      step("Share launcher's name with tool", 'Always'),
      step("Share launcher's email with tool", 'Always'),
    ],
    notes: [
      'Add each activity with "Select content" (deep linking): each link then opens its own activity. A link left on the Tool URL opens the activity picker.',
      'After saving, the tool\'s "View configuration details" (Manage tools) shows Platform ID, Client ID, Deployment ID, Public keyset URL, Access token URL and Authentication request URL.',
      knownValues(platform, {
        issuer: 'Platform ID',
        clientId: 'Client ID',
        deploymentId: 'Deployment ID',
        auth: 'Authentication request URL',
        token: 'Access token URL',
        jwks: 'Public keyset URL',
      }),
      // Moodle 3.10+ takes a registration URL in Manage tools' "Tool URL" box ("Add LTI Advantage");
      // the button's label is from Moodle's admin page, not confirmed in MoodleDocs.
      `Dynamic registration instead (Moodle 3.10 and later): ${registrationRoute}; paste it in Manage tools' "Tool URL" box and choose "Add LTI Advantage"; then activate the tool in Moodle.`,
    ],
  }),
  // Labels: Canvas "Configuring LTI Advantage Tools"
  // (https://developerdocs.instructure.com/services/canvas/external-tools/lti/file.lti_dev_key_config):
  // Admin → Developer Keys → + Developer Key → + LTI Key; "Key Name", "Redirect URIs", the method
  // "Enter URL" with its "JSON URL"; and "Registering an LTI Tool"
  // (https://developerdocs.instructure.com/services/canvas/external-tools/lti/file.registration).
  canvas: ({ tool, platform, environmentName, canvasConfigUrl: jsonUrl }) => ({
    steps: [
      step('Key Name', environmentName),
      step('Redirect URIs', tool.redirectUrl),
      step('Method', 'Enter URL'),
      step('JSON URL', jsonUrl),
    ],
    notes: [
      `Entered by hand instead (Method "Manual Entry"): Target Link URI = ${tool.deepLinkingUrl}, OpenID Connect Initiation Url = ${tool.loginUrl}, JWK Method "Public JWK URL" = ${tool.jwksUrl}, Privacy Level "Public", and the placements Link Selection and Assignment Selection with message type LtiDeepLinkingRequest.`,
      "Save, turn the key ON, and copy its Client ID (the Details column). Then add the app by that Client ID in the account's or course's Apps settings: the app's Deployment Id is under its settings menu.",
      'Canvas cloud sends the issuer https://canvas.instructure.com for every customer: customers are told apart by their client ids.',
      knownValues(platform, {
        issuer: 'issuer',
        clientId: 'Client ID',
        deploymentId: 'Deployment Id',
        auth: 'authorization endpoint',
        token: 'token endpoint',
        jwks: 'Canvas public JWKs',
      }),
      `Dynamic registration instead: ${registrationRoute}; Canvas opens it in an iframe (Developer Keys → + Developer Key → + LTI Registration; the menu label is not confirmed in Canvas's documentation).`,
    ],
  }),
  // Labels: Brightspace "Register an external learning tool for LTI Advantage"
  // (https://documentation.brightspace.com/EN/integrations/ipsis/LTI%20Advantage/LTI_register_external_learning_tool.htm)
  // and D2L Community "Tool registration, deployment and links"
  // (https://community.d2l.com/brightspace/kb/articles/23662-tool-registration-deployment-and-links).
  brightspace: ({ tool, platform, environmentName }) => ({
    steps: [
      step('Name', environmentName),
      step('Domain', new URL(tool.loginUrl).origin),
      step('Redirect URLs', tool.redirectUrl),
      step('OpenID Connect Login URL', tool.loginUrl),
      step('Target Link URI', tool.deepLinkingUrl),
      step('Keyset URL', tool.jwksUrl),
      step('Extensions', 'Assignment and Grade Services, Deep Linking, Names and Role Provisioning Services'),
    ],
    notes: [
      "Admin Tools → Manage Extensibility → LTI Advantage → Register Tool → Standard. Then View Deployments → New Deployment, with the Security Settings that send the user's name and email.",
      'The registration shows Client Id, Brightspace Keyset URL, Brightspace OAuth2 Access Token URL, OpenID Connect Authentication Endpoint, Brightspace OAuth 2 Audience and Issuer.',
      knownValues(platform, {
        issuer: 'Issuer',
        clientId: 'Client Id',
        deploymentId: 'Deployment Id',
        auth: 'OpenID Connect Authentication Endpoint',
        token: 'Brightspace OAuth2 Access Token URL',
        jwks: 'Brightspace Keyset URL',
      }) + ` Brightspace OAuth 2 Audience = tokenAudience (${platform.tokenAudience ?? 'not set: the token URL'}).`,
      `Dynamic registration instead: ${registrationRoute}; Register Tool → Dynamic, "Tool initiation registration endpoint" (label from the LTIAAS Brightspace guide, https://docs.ltiaas.com/guides/lms/brightspace). Brightspace opens it in a new tab and leaves the registration disabled until an administrator enables it.`,
    ],
  }),
  // Labels: the Anthology Developer Portal's LTI 1.3 fields and Learn's "Register LTI 1.3/Advantage
  // Tool" (https://docs.anthology.com/docs/blackboard/lti/1.3/register-an-application,
  // https://docs.blackboard.com/lti/lti-registration-and-deployment); the portal's field labels as
  // an integration guide shows them (https://support.watermarkinsights.com/hc/en-us/articles/20943146060443).
  blackboard: ({ tool, platform, environmentName }) => ({
    steps: [
      step('Application name', environmentName),
      step('Domain(s)', new URL(tool.loginUrl).host),
      step('My Integration supports LTI 1.3', 'on'),
      step('Login Initiation URL', tool.loginUrl),
      step('Tool Redirect URL(s)', tool.redirectUrl),
      step('Tool JWKS URL', tool.jwksUrl),
      step('Signing Algorithm', 'RS256'),
    ],
    notes: [
      "These go in the Anthology Developer Portal (developer.anthology.com), once: it gives the Application ID (the client id). Learn's administrator then deploys it: Administrator Panel → LTI Tool Providers → Register LTI 1.3/Advantage Tool → Client ID; editing the tool shows its Deployment ID.",
      'Blackboard SaaS uses the issuer https://blackboard.com for every customer, with the auth URL https://developer.blackboard.com/api/v1/gateway/oidcauth and the token URL https://developer.blackboard.com/api/v1/gateway/oauth2/jwttoken.',
      knownValues(platform, {
        issuer: 'issuer',
        clientId: 'Application ID (Client ID)',
        deploymentId: 'Deployment ID',
        auth: 'auth URL',
        token: 'token URL',
        jwks: 'key set URL',
      }),
      "Dynamic registration: not recommended with Blackboard: Behind the Blackboard KB 000090618 lists the Developer Portal's dynamic registration defects (issuer, missing fields, a registration token that does not expire). Register by hand.",
    ],
  }),
  // Labels: Sakai's External Tools (Administration Workspace → External Tools) LTI Advantage
  // fields, as Tsugi's guide for Sakai names them (https://www.tsugi.org/md/ADVANTAGE_SAKAI.md,
  // https://www.tsugi.org/md/ADVANTAGE.md). Not confirmed in Sakai's own documentation.
  sakai: ({ tool, platform, environmentName }) => ({
    steps: [
      step('Tool Title', environmentName),
      step('Launch URL', tool.deepLinkingUrl),
      step('LTI 1.3', 'on'),
      step('Tool OpenID Connect/Initialization Endpoint', tool.loginUrl),
      step('Tool OpenId Connect Redirect Endpoint(s)', tool.redirectUrl),
      step('Tool Keyset URL', tool.jwksUrl),
      step('Allow the tool to be used from the rich content editor / Lessons (Deep Linking)', 'checked'),
      step('Send name and email to the tool', 'checked'),
    ],
    notes: [
      "Sakai then shows its LTI Advantage values (issuer, client id, deployment id, its OIDC authentication, token and keyset URLs) on the tool's page.",
      knownValues(platform, {
        issuer: 'issuer',
        clientId: 'Client ID',
        deploymentId: 'Deployment ID',
        auth: 'OIDC Auth URL',
        token: 'OAuth2 token URL',
        jwks: 'keyset URL',
      }),
      `Dynamic registration: Sakai implements it (Unicon, "LTI 1.3 Dynamic Registration or 'How I Met Your Platform'"); ${registrationRoute}. Where Sakai asks for it is not confirmed in Sakai's documentation.`,
    ],
  }),
  // Labels: Schoology's LTI 1.3 app form (App Center → My Developer Apps → Add App, Type of App
  // "LTI 1.3 App") as the LTIAAS Schoology guide shows it (https://ltiaas.com/guides/lms/schoology),
  // and Schoology's "LTI 1.3 Support and Documentation" (https://developers.schoology.com/app-platform/lti-apps).
  schoology: ({ tool, platform, environmentName }) => ({
    steps: [
      step('App Name', environmentName),
      step('Type of App', 'LTI 1.3 App'),
      step('Privacy', "send the user's name and email"),
      step('Deep Linking', 'checked'),
      step('Assignments and Grade Services', 'checked'),
      step('Names and Roles Services', 'checked'),
      step('JWKS URL', tool.jwksUrl),
      step('Domain/URL', tool.deepLinkingUrl),
      step('Public key type', 'Keyset URL'),
      step('OIDC Login Init URL', tool.loginUrl),
      step('Redirect URLs', tool.redirectUrl),
    ],
    notes: [
      "Install the app (Install LTI 1.3 App), then Options → API Info shows its Client ID; the installation's deployment id is learned at its first launch.",
      'Schoology uses one issuer, https://schoology.schoology.com, with the OIDC Authorization Endpoint https://lti-service.svc.schoology.com/lti-service/authorize-redirect, the OAuth 2 Access Token Endpoint https://lti-service.svc.schoology.com/lti-service/access-token and the JWKS URL https://lti-service.svc.schoology.com/lti-service/.well-known/jwks.',
      knownValues(platform, {
        issuer: 'issuer_id',
        clientId: 'Client ID',
        deploymentId: 'deployment_id',
        auth: 'OIDC Authorization Endpoint',
        token: 'OAuth 2 Access Token Endpoint',
        jwks: 'JWKS URL',
      }),
      'Dynamic registration: Schoology supports manual registration only (LTIAAS Schoology guide).',
    ],
  }),
  // The specifications' own names: LTI Core 1.3 / Security Framework 1.0 and Dynamic Registration 1.0 §3.
  generic: ({ tool, platform, environmentName }) => ({
    steps: [
      step('Tool name (client_name)', environmentName),
      step('OIDC login initiation URL (initiate_login_uri)', tool.loginUrl),
      step('Redirect URIs (redirect_uris)', tool.redirectUrl),
      step('Public keyset URL (jwks_uri)', tool.jwksUrl),
      step('Target link URI (target_link_uri)', tool.deepLinkingUrl),
      step('Deep linking URL (LtiDeepLinkingRequest target_link_uri)', tool.deepLinkingUrl),
      step('Claims', 'iss, sub, name, given_name, family_name, email'),
      step(
        'Services (scopes)',
        'Assignment and Grade Services (score, lineitem, lineitem.readonly), Names and Role Provisioning Services (contextmembership.readonly)',
      ),
    ],
    notes: [
      knownValues(platform, {
        issuer: 'issuer',
        clientId: 'client_id',
        deploymentId: 'deployment_id',
        auth: 'authorization endpoint',
        token: 'token endpoint',
        jwks: 'platform keyset URL',
      }),
      `Dynamic registration (LTI Dynamic Registration 1.0): ${registrationRoute}.`,
    ],
  }),
};

/** The platform sheet: adding the academy to `lms` as an LTI 1.3 tool, and what the academy has of `platform`. */
export function platformSetupSheet(publicUrl: string, environmentName: string, platform: Platform, lms: SetupLms): SetupSheet {
  const context: PlatformContext = {
    tool: toolConfiguration(publicUrl, platform.environmentId),
    platform,
    environmentName,
    canvasConfigUrl: canvasConfigUrl(publicUrl, platform.environmentId),
  };
  return { lms, ...platformSheets[lms](context) };
}

/** What an activity sheet gives: the activity's LTI 1.3 resource URL and its LTI 1.2 key and launch URL. */
interface ActivityContext {
  readonly title: string;
  readonly resourceUrl: string;
  readonly lti12?: { readonly key: string; readonly launchUrl: string };
}

/**
 * Where an LTI 1.2 secret comes from: never printed here (it is stored sealed, docs/security.md
 * "LTI 1.2 secrets at rest"), it was shown once, in the answer that issued it.
 */
const secretNote = (activityId: string, key: string) =>
  `The secret of ${key} is not shown here: it was shown once, in the answer that issued it (the activity's creation, or POST …/activities/${activityId}/lti12-credentials for one LMS). ` +
  `A new one: POST …/activities/${activityId}/lti12-credentials/${key}/rotate (CLI: activities rotate-secret), or issue a key for this LMS alone with POST …/lti12-credentials {name} (CLI: activities issue-credential).`;

const noCustom = 'none needed: the link URL names the activity';

interface ActivityLabels {
  readonly lti13: readonly [string, string | ((context: ActivityContext) => string)][];
  readonly lti12: readonly [string, (lti12: NonNullable<ActivityContext['lti12']>, title: string) => string][];
  readonly secretLabel: string;
  readonly notes: readonly string[];
}

const url = (context: ActivityContext) => context.resourceUrl;
const title = (context: ActivityContext) => context.title;

const activityLabels: { readonly [L in SetupLms]: ActivityLabels } = {
  // MoodleDocs "External tool settings" (https://docs.moodle.org/en/External_tool_settings): the
  // External tool activity's Activity name, Preconfigured tool, Tool URL, Custom parameters; for
  // LTI 1.0/1.1 the site tool's Tool URL, Consumer key, Shared secret.
  moodle: {
    lti13: [
      ['Activity name', title],
      ['Preconfigured tool', () => 'the LTI 1.3 tool registered for the academy'],
      ['Tool URL', url],
      ['Custom parameters', () => noCustom],
    ],
    lti12: [
      ['Tool URL', (lti12) => lti12.launchUrl],
      ['LTI version', () => 'LTI 1.0/1.1'],
      ['Consumer key', (lti12) => lti12.key],
    ],
    secretLabel: 'Shared secret',
    notes: ['Or choose "Select content" in the External tool activity: the academy\'s picker fills the Tool URL.'],
  },
  // Canvas Community guides "How do I add an external app as a module item" / "How do I configure
  // an external app for an account using a URL" (https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-add-an-external-tool-as-a-module-item-in-a-course/ta-p/1146):
  // module item "External Tool" with URL and Page Name; LTI 1.1 app Configuration Type "Manual Entry"
  // with Name, Consumer Key, Shared Secret, Launch URL.
  canvas: {
    lti13: [
      ['URL', url],
      ['Page Name', title],
      ['Custom fields', () => noCustom],
    ],
    lti12: [
      ['Configuration Type', () => 'Manual Entry'],
      ['Name', (_lti12, name) => name],
      ['Consumer Key', (lti12) => lti12.key],
      ['Launch URL', (lti12) => lti12.launchUrl],
    ],
    secretLabel: 'Shared Secret',
    notes: ["Or add the module item with the academy's tool (Link Selection): the picker fills the URL."],
  },
  // Brightspace: a deployment's links (View Links → New Link: Name, URL, Type "Basic Launch")
  // (https://community.d2l.com/brightspace/kb/articles/23662-tool-registration-deployment-and-links);
  // LTI 1.1: the README's "Works with" (Launch Point, Key, Secret) from Brightspace's "Register an
  // external learning tool" for LTI 1.1; the exact 1.1 labels are not confirmed in current Brightspace docs.
  brightspace: {
    lti13: [
      ['Name', title],
      ['URL', url],
      ['Type', () => 'Basic Launch'],
      ['Custom Parameters', () => noCustom],
    ],
    lti12: [
      ['Launch Point', (lti12) => lti12.launchUrl.replace(/^https?:\/\//, '')],
      ['Key', (lti12) => lti12.key],
    ],
    secretLabel: 'Secret',
    notes: ['Or let instructors use the tool\'s deep linking ("Existing Activities" → the tool): the picker creates the link.'],
  },
  // Blackboard Learn: LTI 1.3 course content tools are placements; Learn's Web Link "This link is to
  // a Tool Provider" for LTI 1.1 with a provider domain registered with the key and secret
  // (https://docs.anthology.com/docs/blackboard/lti/1.3/register-an-application). The placement
  // field labels are not confirmed in Blackboard's documentation.
  blackboard: {
    lti13: [
      ['Label', title],
      ['Type', () => 'Course content tool'],
      ['Target Link URI', url],
      ['Custom Parameters', () => noCustom],
    ],
    lti12: [
      ['Provider Domain', (lti12) => new URL(lti12.launchUrl).host],
      ['Tool Provider Key', (lti12) => lti12.key],
      ['URL (Web Link, "This link is to a Tool Provider")', (lti12) => lti12.launchUrl],
    ],
    secretLabel: 'Tool Provider Secret',
    notes: ["Or use the academy's deep linking placement (Content Market or Build Content → the tool): the picker creates the link."],
  },
  // Sakai External Tools: "Launch URL", "Launch Key", "Launch Secret" (Sakai's LTI 1.1 fields as
  // the README's "Works with" and Tsugi's Sakai guide, https://www.tsugi.org/md/ADVANTAGE_SAKAI.md,
  // name them). Not confirmed in Sakai's own documentation.
  sakai: {
    lti13: [
      ['Tool Title', title],
      ['Launch URL', url],
      ['Custom Parameters', () => noCustom],
    ],
    lti12: [
      ['Launch URL', (lti12) => lti12.launchUrl],
      ['Launch Key', (lti12) => lti12.key],
    ],
    secretLabel: 'Launch Secret',
    notes: ["Or add the academy's tool in Lessons or the rich content editor: the picker creates the link."],
  },
  // Schoology: an LTI 1.3 app adds materials by deep linking (https://developers.schoology.com/app-platform/lti-apps);
  // LTI 1.1 "External Tool Provider" with Consumer Key, Shared Secret, Match By URL (labels not
  // confirmed in Schoology's documentation).
  schoology: {
    lti13: [
      ['Materials → Add Materials', 'the academy app (deep linking): choose the activity in its picker'],
      ['Domain/URL (when asked)', url],
    ],
    lti12: [
      ['Tool Name', (_lti12, name) => name],
      ['Consumer Key', (lti12) => lti12.key],
      ['Match By', () => 'URL'],
      ['URL', (lti12) => lti12.launchUrl],
    ],
    secretLabel: 'Shared Secret',
    notes: ["Schoology adds LTI 1.3 materials by deep linking only: the academy's picker gives each its resource URL."],
  },
  // LTI Core 1.3 §5.3.4 (target_link_uri), §5.4.6 (custom); LTI 1.1 IG (launch URL, oauth_consumer_key).
  generic: {
    lti13: [
      ['Target link URI', url],
      ['Custom parameters', () => noCustom],
    ],
    lti12: [
      ['Launch URL', (lti12) => lti12.launchUrl],
      ['Consumer key (oauth_consumer_key)', (lti12) => lti12.key],
    ],
    secretLabel: 'Shared secret',
    notes: [],
  },
};

/** The activity sheet: `activity`'s LTI 1.3 link and LTI 1.2 launch in `lms`'s field names. */
export function activitySetupSheet(publicUrl: string, activity: Activity, lms: SetupLms): SetupSheet {
  if (!activity.availableForLti) {
    throw new HttpError(
      409,
      'conflict',
      `activity ${activity.id} is not available for LTI: PATCH it with {"availableForLti": true} first`,
      {
        field: 'availableForLti',
      },
    );
  }
  const own = activity.lti12Credentials;
  const context: ActivityContext = {
    title: activity.title,
    resourceUrl: toolResourceUrl(publicUrl, activity.environmentId, activity.id),
    ...(own
      ? {
          lti12: {
            key: own.key,
            launchUrl: `${publicUrl}/${encodeURIComponent(activity.environmentId)}/lti12/launch/${encodeURIComponent(activity.id)}`,
          },
        }
      : {}),
  };
  const labels = activityLabels[lms];
  const lti13 = labels.lti13.map(([label, value]) => step(`LTI 1.3: ${label}`, typeof value === 'function' ? value(context) : value));
  const lti12 = context.lti12
    ? [
        ...labels.lti12.map(([label, value]) => step(`LTI 1.1: ${label}`, value(context.lti12!, context.title))),
        step(`LTI 1.1: ${labels.secretLabel}`, 'not shown: see the notes'),
      ]
    : [];
  return {
    lms,
    steps: [...lti13, ...lti12],
    notes: [
      ...labels.notes,
      ...(context.lti12
        ? [secretNote(activity.id, context.lti12.key)]
        : ['The activity has no LTI 1.2 key: it is offered over LTI 1.3 only.']),
    ],
  };
}
