/**
 * Who may reach an activity's Assignment and Grade Services: a bearer token of the activity's own
 * tool that grants the endpoint's scope (AGS 2.0 §1, §3.2, §3.3.2, §3.4.2). The check is the one
 * every LTI Advantage service of the academy makes (`../core/platform-service-access.ts`), under the
 * names the AGS files use.
 */
import { requireServiceAccess } from '../core/platform-service-access';

export { requireAcceptable, requireContentType } from '../core/platform-service-access';
export type { ServiceAccessDeps as AgsAccessDeps, ServiceContext as AgsContext } from '../core/platform-service-access';

export const requireAgsAccess = requireServiceAccess;
