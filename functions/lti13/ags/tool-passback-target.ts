/**
 * Where an LTI 1.3 passback goes and which progress it carries (AGS 2.0 §3.4): all that opening a
 * delivery needs, apart from the sending in `./tool-passback.ts` so that the admin API, which opens
 * deliveries, bundles no AGS client.
 */
import type { DeliveryTarget } from '../../academy/passback/deliverer';
import type { Lti13Binding } from '../../ports';

export const lti13DeliveryTarget: DeliveryTarget<Lti13Binding> = {
  target: (binding) => binding.lineitem ?? binding.lineitems ?? '',
  // AGS can say every status: Initialized, Started, Completed.
  carries: () => true,
};
