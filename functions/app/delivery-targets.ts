/**
 * Where each passback binding version's deliveries go and which progress they carry: what the admin
 * API needs to open deliveries (`../academy/passback/dispatcher.ts` `passBack`). The sending half,
 * which the passback worker runs, is `./deliverers.ts`; add a protocol to both.
 */
import type { DeliveryTargetRegistry } from '../academy/passback/deliverer';
import { lti12DeliveryTarget } from '../lti12/tool-passback-target';
import { lti13DeliveryTarget } from '../lti13/ags/tool-passback-target';

export const deliveryTargets: DeliveryTargetRegistry = {
  '1.2': lti12DeliveryTarget,
  '1.3': lti13DeliveryTarget,
};
