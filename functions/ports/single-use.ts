/** Values and items that may be used once: nonces, JWT ids, OIDC state, tickets, sign-on codes. */

/** Single-use values (OAuth nonces, JWT ids): one conditional write with an expiry. */
export interface ReplayGuard {
  /** True the first time `value` is seen in `scope` before `expiresAt` (epoch seconds); false on a replay. */
  useOnce(scope: string, value: string, expiresAt: number, now: number): Promise<boolean>;
}
