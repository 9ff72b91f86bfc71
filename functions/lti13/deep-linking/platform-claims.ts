/**
 * The claims of the `LtiDeepLinkingRequest` the academy as platform sends a tool (Deep Linking 2.0
 * §4.4), besides those every message carries (`../core/platform-id-token.ts`). Pure.
 *
 * - The target link URI is the tool's deep linking URL (its `deepLinkingUrl`, else its first
 *   redirect URI), chosen when the login started (Core 1.3 §5.3.4).
 * - The settings (§4.4.1) offer `ltiResourceLink` items only (each becomes an external activity), in
 *   a window or an iframe, several at once, with line items; `data` names the deep link and carries
 *   a secret, and the response must echo it (§4.5.5).
 * - The academy has no course around the request, so it sends no context; the user is an
 *   `Instructor`, the role tools' pickers look for.
 */
import type { DeepLinkingPendingLogin } from '../../ports';
import { claims, contextRole } from '../core/claims';
import { platformIssuer } from '../core/platform-urls';
import { deepLinkingClaims, ltiResourceLinkType } from './vocabulary';

/** Where tools post their deep linking responses: `{publicUrl}/{env}/lti13/deep-linking/return`. */
export function deepLinkingReturnUrl(publicUrl: string, environmentId: string): string {
  return `${platformIssuer(publicUrl, environmentId)}/lti13/deep-linking/return`;
}

/** The claims of a deep linking request (§4.4.1-4.4.9). */
export function deepLinkingRequestClaims({ login, publicUrl }: { readonly login: DeepLinkingPendingLogin; readonly publicUrl: string }) {
  return {
    [claims.targetLinkUri]: login.targetLinkUri,
    [claims.roles]: [contextRole('Instructor')],
    [deepLinkingClaims.settings]: {
      deep_link_return_url: deepLinkingReturnUrl(publicUrl, login.environmentId),
      accept_types: [ltiResourceLinkType],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: true,
      accept_lineitem: true,
      auto_create: true,
      data: login.data,
    },
  };
}
