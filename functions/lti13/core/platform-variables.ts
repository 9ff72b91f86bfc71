/**
 * Custom parameter substitution (Core 1.3 §5.4.6, Appendix C "Variables"): a custom parameter of an
 * external activity whose whole value is `$Name` of a variable below is sent with the variable's
 * value; any other value (an unknown variable included) is sent as it is. These are the variables a
 * dynamic registration's platform configuration lists (Dynamic Registration 1.0 §2.1 `variables`).
 */
import type { ResourceLinkPendingLogin } from '../../ports';

/** Each variable the academy substitutes, and its value in a resource link launch. */
export const customVariables: Readonly<Record<string, (login: ResourceLinkPendingLogin) => string>> = {
  'ResourceLink.id': (login) => login.activityId,
  'ResourceLink.title': (login) => login.activity.title,
  'Context.id': (login) => login.activityId,
  'Context.title': (login) => login.activity.title,
  'User.id': (login) => login.userId,
  'Person.name.given': (login) => login.user.givenName,
  'Person.name.family': (login) => login.user.familyName,
  'Person.name.full': (login) => `${login.user.givenName.trim()} ${login.user.familyName.trim()}`,
  'Person.email.primary': (login) => login.user.email,
};

/** The custom parameters with every known variable substituted. */
export function substituteVariables(custom: Readonly<Record<string, string>>, login: ResourceLinkPendingLogin): Record<string, string> {
  return Object.fromEntries(
    Object.entries(custom).map(([name, value]) => {
      const variable = value.startsWith('$') ? customVariables[value.slice(1)] : undefined;
      return [name, variable && Object.hasOwn(customVariables, value.slice(1)) ? variable(login) : value];
    }),
  );
}
