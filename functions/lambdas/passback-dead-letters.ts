/**
 * The passback dead-letter queue's consumer. Each message is an attempt the worker failed on
 * `passbackMaxReceives` times; its delivery is marked `failed` and kept, never dropped.
 */
import { markDeadLettered } from '../academy/passback/recovery';
import { sqsBatchHandler } from '../adapters/sqs-batch';
import type { Runtime } from '../app/runtime';

export function createHandler(rt: () => Runtime) {
  return sqsBatchHandler((message) => markDeadLettered(rt(), message), { malformed: 'drop' });
}
