/** Lambda: the passback dead-letter queue's consumer. It queues nothing and signs nothing. */
import { createHandler } from '../lambdas/passback-dead-letters';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
