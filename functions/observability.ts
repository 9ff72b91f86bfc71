/**
 * Structured logs and metrics (issue 16), one module for every function: AWS Lambda Powertools'
 * Logger (one JSON object per line) and Metrics (CloudWatch embedded metric format, namespace
 * `LtiBridge`, which the stack's alarms and dashboard read: lib/monitoring.ts).
 *
 * Every line carries the request's correlation id: the API Gateway request id of the request being
 * served (`withCorrelation` in `http/lambda.ts`), carried in passback messages so that a delivery's
 * lines name the request that recorded the progress. It lives in an AsyncLocalStorage, not in the
 * logger's keys, because the local server serves many requests at once in one process.
 *
 * What is logged is chosen field by field by the caller; never a secret, token, cookie, signature or
 * id_token (test/functions/observability.test.ts runs the flows that hold each and looks for them).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

const serviceName = 'lti-bridge';
const logger = new Logger({ serviceName });
const metrics = new Metrics({ namespace: 'LtiBridge', serviceName });
const correlation = new AsyncLocalStorage<string>();

/** Runs `work` with `id` as the correlation id of every line it logs. */
export function withCorrelation<T>(id: string, work: () => T): T {
  return correlation.run(id, work);
}

/** The correlation id of the work under way, if any. */
export function correlationId(): string | undefined {
  return correlation.getStore();
}

type Fields = Readonly<Record<string, unknown>>;

const withId = (fields: Fields): Fields => {
  const id = correlation.getStore();
  return id ? { correlationId: id, ...fields } : fields;
};

export const log = {
  info: (message: string, fields: Fields = {}) => logger.info(message, withId(fields)),
  warn: (message: string, fields: Fields = {}) => logger.warn(message, withId(fields)),
  error: (message: string, fields: Fields = {}) => logger.error(message, withId(fields)),
};

/** The metrics lti-bridge writes (their names are the alarms' and the dashboard's). */
export type MetricName =
  | 'LaunchAccepted'
  | 'LaunchRefused'
  | 'PassbackDelivered'
  | 'PassbackRetried'
  | 'PassbackFailed'
  | 'KmsSign'
  | 'TokenCacheHit'
  | 'TokenCacheMiss';

/**
 * Counts one event, written at once as its own EMF line with its dimensions (`side`, `code`, ...),
 * and also without them, so that an alarm can watch the total (`LaunchRefused` of every code).
 */
export function count(name: MetricName, dimensions: Readonly<Record<string, string>> = {}): void {
  const total = metrics.singleMetric();
  total.addMetric(name, MetricUnit.Count, 1);
  if (Object.keys(dimensions).length === 0) return;
  const detailed = metrics.singleMetric();
  detailed.addDimensions({ ...dimensions });
  detailed.addMetric(name, MetricUnit.Count, 1);
}
