import type { Node } from 'constructs';
import type { LtiBridgeStackProps } from './lti-bridge-stack';

/** The stack's settings that CDK context can give (README "Deploying to AWS", docs/security.md). */
export type ContextSettings = Pick<
  LtiBridgeStackProps,
  'publicUrl' | 'keyAdminRoleArn' | 'signingKeys' | 'throttling' | 'reservedConcurrency' | 'waf' | 'customDomain' | 'alarmThresholds'
>;

/**
 * Reads the stack's settings from CDK context: `cdk deploy -c name=value`, or `"context"` in
 * cdk.json. On the command line every value is a string, so an object or a boolean is given as
 * JSON (`-c waf=true`, `-c reservedConcurrency='{}'`); in cdk.json it may be written as is. A value
 * of the wrong shape fails the synth, naming the setting.
 */
export function settingsFromContext(node: Node): ContextSettings {
  const read = (name: string): unknown => {
    const value: unknown = node.tryGetContext(name);
    if (typeof value !== 'string' || !/^[[{]|^(true|false)$/.test(value.trim())) return value;
    try {
      return JSON.parse(value);
    } catch {
      throw new Error(`context ${name} is not valid JSON: ${value}`);
    }
  };
  return dropUndefined({
    publicUrl: optional('publicUrl', read('publicUrl'), isString, 'a URL') || undefined,
    keyAdminRoleArn: optional('keyAdminRoleArn', read('keyAdminRoleArn'), isRoleArn, 'an IAM role ARN'),
    throttling: optional(
      'throttling',
      read('throttling'),
      isThrottling,
      'an object of {rateLimit, burstLimit} by defaultRoute, publicRoute, login',
    ),
    reservedConcurrency: optional(
      'reservedConcurrency',
      read('reservedConcurrency'),
      isNumberRecord,
      'an object of numbers by function name',
    ),
    waf: optional('waf', read('waf'), isWaf, 'true, false or an object of rateLimit, loginRateLimit, webAclArn, certificateArn'),
    signingKeys: optional(
      'signingKeys',
      read('signingKeys'),
      (value): value is string[] => Array.isArray(value) && value.length > 0 && value.every(isString),
      'a list of key names, the signing one first (["primary"], then ["primary","next"], ["next","primary"], ["next"])',
    ),
    alarmThresholds: optional(
      'alarmThresholds',
      read('alarmThresholds'),
      (value): value is Record<string, number> =>
        isNumberRecord(value) && Object.keys(value).every((key) => ['refusedLaunches', 'serverErrors'].includes(key)),
      'an object of numbers: refusedLaunches, serverErrors',
    ),
    customDomain: optional(
      'customDomain',
      read('customDomain'),
      isCustomDomain,
      'an object of domainName, certificateArn (ACM, in the stack region) and optional hostedZone {id, name}',
    ),
  });
}

function optional<T>(name: string, value: unknown, is: (value: unknown) => value is T, expected: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  if (!is(value)) throw new Error(`context ${name} must be ${expected}, got ${JSON.stringify(value)}`);
  return value;
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isRoleArn = (value: unknown): value is string => isString(value) && /^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(value);

function isNumberRecord(value: unknown): value is Record<string, number> {
  return isRecord(value) && Object.values(value).every((entry) => typeof entry === 'number');
}

function isThrottling(value: unknown): value is NonNullable<ContextSettings['throttling']> {
  const keys = ['defaultRoute', 'publicRoute', 'login'];
  return (
    isRecord(value) &&
    Object.entries(value).every(
      ([key, entry]) =>
        keys.includes(key) && isRecord(entry) && typeof entry.rateLimit === 'number' && typeof entry.burstLimit === 'number',
    )
  );
}

function isWaf(value: unknown): value is NonNullable<ContextSettings['waf']> {
  if (typeof value === 'boolean') return true;
  if (!isRecord(value)) return false;
  const numbers = ['rateLimit', 'loginRateLimit'];
  const strings = ['webAclArn', 'certificateArn'];
  return Object.entries(value).every(
    ([key, entry]) => (numbers.includes(key) && typeof entry === 'number') || (strings.includes(key) && isString(entry)),
  );
}

function isCustomDomain(value: unknown): value is NonNullable<ContextSettings['customDomain']> {
  if (!isRecord(value) || !isString(value.domainName) || !isString(value.certificateArn)) return false;
  if (!/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/\S+$/.test(value.certificateArn)) return false;
  const zone = value.hostedZone;
  const allowed = ['domainName', 'certificateArn', 'hostedZone'];
  return (
    Object.keys(value).every((key) => allowed.includes(key)) &&
    (zone === undefined || (isRecord(zone) && isString(zone.id) && isString(zone.name)))
  );
}

function dropUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
