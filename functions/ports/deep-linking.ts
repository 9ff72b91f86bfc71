/**
 * Deep Linking 2.0, both roles: what the academy's picker remembers between the request it
 * validated and the choice it signs (tool side), and the deep links the academy asks tools for
 * (platform side).
 */
import type { Activity, ActivityType } from '../academy/model';

/**
 * Academy as LTI 1.3 tool: a validated `LtiDeepLinkingRequest` waiting for the picker's choice, a
 * `deep-linking-picker` of the single-use store under the hash of the token its form carries. It
 * holds what the response needs (DL 2.0 §4.5; Security 1.0 "Tool JWT"), so the form carries none of
 * the request's claims, and the choice is signed for exactly this request, once.
 */
export interface DeepLinkingPicker {
  readonly environmentId: string;
  readonly platformId: string;
  /** The response's `iss`: the academy's client id at the platform. */
  readonly clientId: string;
  /** The response's `aud`: the platform's issuer, the request's `iss` (§4.5.1). */
  readonly issuer: string;
  /** The request's deployment, which the response carries (§4.5.4). */
  readonly deploymentId: string;
  /** `deep_link_return_url` (§4.4.1), checked to be an absolute http(s) URL. */
  readonly returnUrl: string;
  /** The request's `data` as JSON text, echoed unchanged (§4.5.5); absent when the request had none. */
  readonly dataJson?: string;
  /** `accept_multiple` (§4.4.1): only `true` lets the picker return several items. */
  readonly acceptMultiple: boolean;
  /** `accept_lineitem` (§4.4.1): line items are sent unless it is `false`. */
  readonly acceptLineItem: boolean;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** The external activity types a deep link may create (docs/product.md "Deep Linking 2.0"). */
export const deepLinkActivityTypes = ['e-learning', 'exam'] as const satisfies readonly ActivityType[];
export type DeepLinkActivityType = (typeof deepLinkActivityTypes)[number];

export type DeepLinkState = 'pending' | 'completed' | 'failed';

/**
 * Academy as LTI 1.3 platform: one deep linking request to a tool (`POST …/deep-links`), kept in
 * the `data` table. Its response is accepted once: the activities it brings are created together
 * with the change from `pending`, in one conditional transaction.
 */
export interface DeepLink {
  readonly environmentId: string;
  readonly id: string;
  readonly toolId: string;
  /** The academy user who picks at the tool (the request's `sub`). */
  readonly userId: string;
  /** Where the browser ends, with `deepLinkId`; without it, on a page listing what was added. */
  readonly returnUrl?: string;
  /** The type of each activity the response creates; an exam's pass mark is `minScore`. */
  readonly activityType: DeepLinkActivityType;
  readonly minScore?: number;
  readonly state: DeepLinkState;
  /** The activities the response created, in the order of its content items. */
  readonly activityIds: readonly string[];
  /** Why it failed, when it did. */
  readonly error?: { readonly code: string; readonly message: string };
  /** SHA-256 of the request's `data` (§4.4.1), which the response must echo (§4.5.5). */
  readonly dataHash: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** After this (ISO 8601) a pending deep link takes no response and reads as failed. */
  readonly expiresAt: string;
}

/**
 * Academy as LTI 1.3 platform: the browser's one-time entry to a deep linking request, a
 * `launch-ticket` of the single-use store (the same URL as an activity's launch ticket).
 */
export interface DeepLinkTicket {
  readonly environmentId: string;
  readonly deepLinkId: string;
  readonly toolId: string;
  readonly userId: string;
  /** The `data` of the request (§4.4.1): the deep link's id and a secret whose hash the deep link keeps. */
  readonly data: string;
  /** Where the tool may send the user back when they leave (`launch_presentation.return_url`). */
  readonly returnUrl?: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface DeepLinkStore {
  /** Creates; throws `ConditionFailedError` if the id exists. */
  create(deepLink: DeepLink): Promise<void>;
  get(environmentId: string, id: string): Promise<DeepLink | undefined>;
  /**
   * One transaction: creates every activity (each only if its id is free) and marks the deep link
   * `completed` with their ids, only while it is still `pending` and unexpired. All or nothing:
   * throws `ConditionFailedError` (reason `not-pending`) when the deep link was answered already.
   */
  complete(deepLink: DeepLink, activities: readonly Activity[], now: number): Promise<void>;
  /** Marks a pending deep link `failed` with why; false when it was no longer pending. */
  fail(deepLink: DeepLink, error: { readonly code: string; readonly message: string }, now: number): Promise<boolean>;
}
