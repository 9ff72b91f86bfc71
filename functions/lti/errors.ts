/**
 * The errors every launch shares (LTI 1.x basic launch, LTI 1.3 login and launch): a parameter that
 * is missing or wrong, a launch that cannot be verified, LTI switched off. Each names the parameter
 * at fault and, when it helps the LMS administrator, what the parameter is for.
 */
import { LaunchError, ltiDisabledMessage } from '../errors';

export const missing = (parameter: string, purpose: string): LaunchError =>
  new LaunchError(400, 'missing_parameter', `The launch is missing the parameter ${parameter}.`, parameter, purpose);

export const badParameter = (parameter: string, message: string, purpose?: string): LaunchError =>
  new LaunchError(400, 'invalid_parameter', message, parameter, purpose);

export const unauthorized = (message: string, parameter?: string, purpose?: string): LaunchError =>
  new LaunchError(401, 'unauthorized', message, parameter, purpose);

export const ltiDisabled = (): LaunchError => new LaunchError(403, 'lti_disabled', `${ltiDisabledMessage}.`);
