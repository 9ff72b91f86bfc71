/**
 * The interfaces that protocol and domain code depend on, one file per area. Adapters
 * (`functions/adapters/`) implement them against AWS; local mode points the same adapters at local
 * endpoints (dynalite, the local KMS endpoint), so the code path is the same in both.
 */
export * from './core';
export * from './secrets';
export * from './academy';
export * from './single-use';
export * from './passback';
export * from './platform';
export * from './tool';
export * from './ags';
export * from './deep-linking';
export * from './roster';
