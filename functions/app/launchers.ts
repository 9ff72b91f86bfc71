/**
 * The launcher of each LTI version of an external activity, of a deep linking request and of a
 * dynamic registration (academy as platform), registered here so that the version-independent
 * launch (`../lti/platform-launch.ts`) imports no protocol.
 */
import type { ExternalLaunchers } from '../lti/platform-launch';
import { lti12PlatformLaunch } from '../lti12/platform-launch';
import { lti13LoginInitiation } from '../lti13/core/platform-login-initiation';
import { deepLinkingInitiation } from '../lti13/deep-linking/platform-request';
import { registrationInitiation } from '../lti13/dynamic-registration/platform-registration-initiation';
import type { Runtime, RuntimeParts } from './runtime';

/** The LTI 1.2 launcher opens the tool's secret (`secrets`), which signs the launch. */
export function externalLaunchers(rt: Runtime & Pick<RuntimeParts, 'secrets'>): ExternalLaunchers {
  return {
    '1.2': (launch) => lti12PlatformLaunch(rt, launch),
    '1.3': (launch) => lti13LoginInitiation(rt, launch),
    deepLinking: (launch) => deepLinkingInitiation(rt, launch),
    toolRegistration: (launch) => registrationInitiation(rt, launch),
  };
}
