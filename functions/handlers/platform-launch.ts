/** Lambda: the academy as platform: the browser's one-time entry to launch an external activity. */
import { createHandler } from '../lambdas/platform-launch';
import { processRuntime } from '../app/runtime';

export const handler = createHandler(processRuntime());
