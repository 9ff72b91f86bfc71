/**
 * The deliverer of each passback binding version (contract in `../academy/passback/deliverer.ts`). To pass progress
 * back through another protocol, implement `Deliverer<ThatBinding>` and add one line here, e.g.
 *
 *   '1.3': lti13Deliverer,
 *
 * A binding whose version has no deliverer here is kept as a `failed` delivery that says so.
 */
import type { DelivererRegistry } from '../academy/passback/deliverer';
import { lti12Deliverer } from '../lti12/tool-passback';
import { lti13Deliverer } from '../lti13/ags/tool-passback';

export const deliverers: DelivererRegistry = {
  '1.2': lti12Deliverer,
  '1.3': lti13Deliverer,
};
