/**
 * The admin body of `accountLinking` (docs/product.md "Who is who at a launch"), on an environment, a
 * platform or an LTI 1.2 activity. Its own file: its zod schema is built when the module loads, so
 * only the admin API's bundle, which validates bodies, carries zod.
 */
import * as z from 'zod/mini';
import { accountLinkingModes } from './model';

const domain = z.string({ error: 'accountLinking.domains must be a list of domain names' }).check(
  z.trim(),
  z.toLowerCase(),
  z.regex(/^[a-z0-9](?:[a-z0-9-]{0,62}\.)*[a-z0-9-]{1,63}$/, {
    error: 'accountLinking.domains must be domain names such as example.edu',
  }),
);

/** The admin body of `accountLinking`, on an environment, a platform or an LTI 1.2 activity. */
export const accountLinkingBody = z
  .strictObject({
    byEmail: z.enum(accountLinkingModes, { error: `accountLinking.byEmail must be one of ${accountLinkingModes.join(', ')}` }),
    domains: z.optional(z.array(domain, { error: 'accountLinking.domains must be a list of domain names' }).check(z.maxLength(100))),
  })
  .check(
    z.refine((value) => value.byEmail !== 'domains' || (value.domains?.length ?? 0) > 0, {
      error: 'accountLinking.domains must list at least one domain when byEmail is "domains"',
      path: ['domains'],
    }),
  );
