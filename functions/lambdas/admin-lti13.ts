/** The admin API for LTI 1.3 connections: platforms, tools, their registration and setup sheets, deep links (IAM-authorized routes). */
import { adminLti13Routes } from '../admin/lti13-routes';
import { lambda } from '../http/lambda';
import { apiJson } from '../http/renderers/api-json';
import type { Runtime } from '../app/runtime';

/** Only the stores: it queues nothing, seals and signs nothing. */
export function createHandler(rt: () => Runtime) {
  return lambda(adminLti13Routes(rt), apiJson);
}
