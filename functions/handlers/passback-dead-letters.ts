/**
 * Lambda: the passback dead-letter queue's consumer. Each message is an attempt the worker failed
 * on `passbackMaxReceives` times; its delivery is marked `failed` and kept, never dropped.
 */
import { markDeadLettered } from '../academy/passback/recovery';
import { sqsBatchHandler } from '../adapters/sqs-batch';
import { runtime } from '../app/runtime';

export const handler = sqsBatchHandler((message) => markDeadLettered(runtime(), message), { malformed: 'drop' });
