import { version } from '../../package.json';

/**
 * What lti-bridge calls itself when it launches tools as a platform: LTI 1.2's
 * `tool_consumer_info_product_family_code` (LTI 1.1 IG §3) and LTI 1.3's
 * `tool_platform.product_family_code` (Core 1.3 §5.4.2) carry the same value.
 */
export const productFamilyCode = 'lti-bridge';

/** lti-bridge's version, as a platform names it (Dynamic Registration 1.0 `lti-platform-configuration.version`). */
export const productVersion: string = version;
