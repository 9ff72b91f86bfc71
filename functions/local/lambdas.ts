/**
 * Each function of the route table as the local server runs it: the same handler as its Lambda
 * (`functions/lambdas/`), built on the server's runtime instead of the process's. Loaded on a
 * function's first request, as a cold start would.
 */
import type { Context } from 'aws-lambda';
import type { Runtime, RuntimeParts } from '../app/runtime';
import type { FunctionName, functions } from '../routes';

export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** The functions that serve routes (the others are triggered by a queue, which local mode runs in process). */
export type RoutedFunction = { [F in FunctionName]: (typeof functions)[F] extends { readonly trigger: string } ? never : F }[FunctionName];

/** A module of `functions/lambdas/`. */
type LambdaModule = { readonly createHandler: (rt: () => Runtime & RuntimeParts) => unknown };

const modules: { readonly [F in RoutedFunction]: () => Promise<LambdaModule> } = {
  jwks: () => import('../lambdas/jwks'),
  admin: () => import('../lambdas/admin'),
  adminLti13: () => import('../lambdas/admin-lti13'),
  lti12Tool: () => import('../lambdas/lti12-tool'),
  lti13Tool: () => import('../lambdas/lti13-tool'),
  lti13DeepLinking: () => import('../lambdas/lti13-deep-linking'),
  lti13ToolRegistration: () => import('../lambdas/lti13-tool-registration'),
  platformLaunch: () => import('../lambdas/platform-launch'),
  lti13Authorize: () => import('../lambdas/lti13-platform'),
  lti13Token: () => import('../lambdas/lti13-token'),
  lti13PlatformRegistration: () => import('../lambdas/lti13-platform-registration'),
  lti12Outcomes: () => import('../lambdas/lti12-outcomes'),
  lti13Ags: () => import('../lambdas/lti13-ags'),
  rosterSync: () => import('../lambdas/roster-sync'),
};

/** The handler of `fn` on the runtime `rt()`. */
export async function localLambda(fn: FunctionName, rt: () => Runtime & RuntimeParts): Promise<LambdaHandler> {
  const load: (() => Promise<LambdaModule>) | undefined = (modules as Partial<Record<FunctionName, () => Promise<LambdaModule>>>)[fn];
  if (!load) throw new Error(`function ${fn} serves no route`);
  return (await load()).createHandler(rt) as LambdaHandler;
}
