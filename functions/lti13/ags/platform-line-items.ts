/**
 * The line item service of the academy's Assignment and Grade Services (AGS 2.0 §3.2): the line
 * items (gradebook columns) of one external LTI 1.3 activity, which is the line item container of
 * its launches (`lineitems` in the AGS claim).
 *
 * Every activity has one line item of its own, `default` (the `lineitem` of its launches): the
 * declarative, coupled line item of §4.3.1, whose lifecycle the academy owns. It always exists,
 * its label is the activity's title, its maximum 100 (percent, what progress records), unless the
 * tool declared a line item with the link it deep-linked (`lti.lineItem`), and its resource link the
 * activity; its scores become the learner's progress. A tool may set its
 * `resourceId`, `tag`, dates and `gradesReleased` with a PUT; changes to its label and maximum are
 * ignored (§3.2.6: "A platform may ignore changes to other attributes … MUST return the line item
 * definition as applied"), and it cannot be deleted (405, `Allow: GET, PUT`).
 * Line items a tool creates (§3.2.5, the programmatic model of §4.3.2) hold results only.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { HttpError, notFound } from '../../errors';
import type { AgsStore, Clock, LineItem } from '../../ports';
import type { AgsContext } from './platform-access';
import { boolean, dateTime, number, text, type Body } from './platform-fields';
import { defaultLineItemId } from '../core/platform-urls';

/** The default line item's maximum: progress scores are percentages. */
export const defaultScoreMaximum = 100;
/** The largest page a listing answers, whatever `limit` asks (§3.2.4: "the platform MAY further reduce"). */
export const maxPageSize = 100;

export interface PlatformAgsDeps {
  readonly ags: AgsStore;
  readonly clock: Clock;
  readonly config: Pick<Config, 'publicUrl'>;
}

/** The `lineitems` URL of an activity (AGS claim, §3.1). */
export function lineItemsUrl(publicUrl: string, environmentId: string, activityId: string): string {
  return `${publicUrl}/${encodeURIComponent(environmentId)}/lti13/ags/${encodeURIComponent(activityId)}/lineitems`;
}

/** A line item's `id` (§3.2.3): its URL, also the base of its `/scores` and `/results`. */
export function lineItemUrl(publicUrl: string, environmentId: string, activityId: string, id: string): string {
  return `${lineItemsUrl(publicUrl, environmentId, activityId)}/${encodeURIComponent(id)}`;
}

/** A posted or put line item (`application/vnd.ims.lis.v2.lineitem+json`): the fields a tool sets. */
type LineItemInput = Omit<LineItem, 'environmentId' | 'activityId' | 'id' | 'createdAt' | 'updatedAt'>;

function parseLineItem(body: Body): LineItemInput {
  const optional = (field: string) => text(body, field, { max: 255 });
  const input = {
    label: text(body, 'label', { required: true, max: 500, nonBlank: true, trim: true, section: '§3.2.7' })!,
    scoreMaximum: number(body, 'scoreMaximum', { required: true, above: 0, section: '§3.2.8' })!,
    resourceLinkId: optional('resourceLinkId'),
    resourceId: optional('resourceId'),
    tag: optional('tag'),
    startDateTime: dateTime(body, 'startDateTime', { section: '§3.2.12' }),
    endDateTime: dateTime(body, 'endDateTime', { section: '§3.2.13' }),
    gradesReleased: boolean(body, 'gradesReleased'),
  };
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as unknown as LineItemInput;
}

/** The tool-set attributes kept as given (§3.2.5: "MUST NOT modify the resourceId and tag"); null or blank is none. */
function toolAttributes(
  input: Partial<LineItemInput>,
): Pick<LineItem, 'resourceId' | 'tag' | 'startDateTime' | 'endDateTime' | 'gradesReleased'> {
  return {
    ...(input.resourceId ? { resourceId: input.resourceId } : {}),
    ...(input.tag ? { tag: input.tag } : {}),
    ...(input.startDateTime ? { startDateTime: input.startDateTime } : {}),
    ...(input.endDateTime ? { endDateTime: input.endDateTime } : {}),
    ...(typeof input.gradesReleased === 'boolean' ? { gradesReleased: input.gradesReleased } : {}),
  };
}

/**
 * The activity's own line item: implicit, with what a tool stored on it. A line item the tool
 * declared with the link (Deep Linking 2.0 §3.2 `lineItem`, kept as `lti.lineItem`) gives its
 * label, maximum, resourceId and tag ("must be exposed in a subsequent line item service call").
 */
export function defaultLineItem(ctx: AgsContext, stored: LineItem | undefined): LineItem {
  const { activity } = ctx;
  const declared = activity.lti?.version === '1.3' ? activity.lti.lineItem : undefined;
  return {
    environmentId: ctx.environmentId,
    activityId: activity.id,
    id: defaultLineItemId,
    label: declared?.label ?? activity.title,
    scoreMaximum: declared?.scoreMaximum ?? defaultScoreMaximum,
    resourceLinkId: activity.id,
    ...(declared?.resourceId ? { resourceId: declared.resourceId } : {}),
    ...(declared?.tag ? { tag: declared.tag } : {}),
    ...toolAttributes(stored ?? {}),
    createdAt: stored?.createdAt ?? activity.createdAt,
    updatedAt: stored?.updatedAt ?? activity.updatedAt,
  };
}

/** The `application/vnd.ims.lis.v2.lineitem+json` representation (§3.2.1). */
export function lineItemView(publicUrl: string, item: LineItem): Record<string, unknown> {
  return {
    id: lineItemUrl(publicUrl, item.environmentId, item.activityId, item.id),
    label: item.label,
    scoreMaximum: item.scoreMaximum,
    ...(item.resourceLinkId ? { resourceLinkId: item.resourceLinkId } : {}),
    ...(item.resourceId ? { resourceId: item.resourceId } : {}),
    ...(item.tag ? { tag: item.tag } : {}),
    ...(item.startDateTime ? { startDateTime: item.startDateTime } : {}),
    ...(item.endDateTime ? { endDateTime: item.endDateTime } : {}),
    ...(item.gradesReleased !== undefined ? { gradesReleased: item.gradesReleased } : {}),
  };
}

/** A line item of the activity (the default one always exists), or a 404. */
export async function getLineItem(deps: Pick<PlatformAgsDeps, 'ags'>, ctx: AgsContext, id: string): Promise<LineItem> {
  return existingLineItem(ctx, id, await deps.ags.getLineItem(ctx.environmentId, ctx.activity.id, id));
}

/** The line item `id` from what the store holds under it (the default one always exists), or a 404. */
export function existingLineItem(ctx: AgsContext, id: string, stored: LineItem | undefined): LineItem {
  if (id === defaultLineItemId) return defaultLineItem(ctx, stored);
  if (!stored) throw notFound(`line item ${id}`);
  return stored;
}

export interface LineItemQuery {
  readonly resourceLinkId?: string;
  readonly resourceId?: string;
  readonly tag?: string;
  readonly limit: number;
  /** The id of the previous page's last line item. */
  readonly after?: string;
}

/**
 * The container (§3.2.4): the default line item first, then the tool's in id order; every filter
 * given must match (both `resource_link_id` and `resource_id` when both are given). `next` is the
 * `after` of the next page.
 */
export async function listLineItems(
  deps: Pick<PlatformAgsDeps, 'ags'>,
  ctx: AgsContext,
  query: LineItemQuery,
): Promise<{ items: LineItem[]; next?: string }> {
  const items: LineItem[] = [];
  if (query.after === undefined) {
    const own = await getLineItem(deps, ctx, defaultLineItemId);
    const matches =
      (query.resourceLinkId === undefined || own.resourceLinkId === query.resourceLinkId) &&
      (query.resourceId === undefined || own.resourceId === query.resourceId) &&
      (query.tag === undefined || own.tag === query.tag);
    if (matches) items.push(own);
  }
  const room = query.limit - items.length;
  const page = await deps.ags.listLineItems(ctx.environmentId, ctx.activity.id, {
    limit: Math.max(room, 1),
    ...(query.after !== undefined && query.after !== defaultLineItemId ? { after: query.after } : {}),
    ...(query.resourceLinkId !== undefined ? { resourceLinkId: query.resourceLinkId } : {}),
    ...(query.resourceId !== undefined ? { resourceId: query.resourceId } : {}),
    ...(query.tag !== undefined ? { tag: query.tag } : {}),
  });
  if (room === 0) return page.items.length > 0 ? { items, next: defaultLineItemId } : { items };
  items.push(...page.items);
  return page.next ? { items, next: page.next } : { items };
}

/** A resource link of this container is the activity itself (§3.2.9: any other answers 404). */
function requireOwnResourceLink(ctx: AgsContext, resourceLinkId: string | undefined): void {
  if (resourceLinkId && resourceLinkId !== ctx.activity.id) {
    throw notFound(`resource link ${resourceLinkId} of this tool in this context`);
  }
}

/** §3.2.5: creates a line item; answers it as created (the tool's values preserved). */
export async function createLineItem(deps: PlatformAgsDeps, ctx: AgsContext, body: Body): Promise<LineItem> {
  const input = parseLineItem(body);
  requireOwnResourceLink(ctx, input.resourceLinkId);
  const now = new Date(deps.clock.now()).toISOString();
  const item: LineItem = {
    environmentId: ctx.environmentId,
    activityId: ctx.activity.id,
    id: randomUUID(),
    label: input.label,
    scoreMaximum: input.scoreMaximum,
    ...(input.resourceLinkId ? { resourceLinkId: input.resourceLinkId } : {}),
    ...toolAttributes(input),
    createdAt: now,
    updatedAt: now,
  };
  await deps.ags.createLineItem(item);
  return item;
}

/**
 * §3.2.6: replaces a line item's definition with the complete one given; its `id` and
 * `resourceLinkId` stay what they are (a different value is ignored, as the section allows).
 */
export async function updateLineItem(deps: PlatformAgsDeps, ctx: AgsContext, id: string, body: Body): Promise<LineItem> {
  const input = parseLineItem(body);
  const existing = await getLineItem(deps, ctx, id);
  const now = new Date(deps.clock.now()).toISOString();
  const updated: LineItem =
    id === defaultLineItemId
      ? defaultLineItem(ctx, { ...existing, ...toolAttributes(input), createdAt: existing.createdAt, updatedAt: now })
      : {
          environmentId: existing.environmentId,
          activityId: existing.activityId,
          id: existing.id,
          label: input.label,
          scoreMaximum: input.scoreMaximum,
          ...(existing.resourceLinkId ? { resourceLinkId: existing.resourceLinkId } : {}),
          ...toolAttributes(input),
          createdAt: existing.createdAt,
          updatedAt: now,
        };
  if (!(await deps.ags.replaceLineItem(updated, { upsert: id === defaultLineItemId }))) {
    throw notFound(`line item ${id}`);
  }
  return updated;
}

/** Removes a tool's line item and its results; the activity's own one cannot be removed. */
export async function deleteLineItem(deps: Pick<PlatformAgsDeps, 'ags'>, ctx: AgsContext, id: string): Promise<void> {
  if (id === defaultLineItemId) {
    throw new HttpError(
      405,
      'method_not_allowed',
      "the activity's own line item (default) cannot be deleted; it lives as long as the activity",
      {
        headers: { allow: 'GET, PUT' },
      },
    );
  }
  if (!(await deps.ags.deleteLineItem(ctx.environmentId, ctx.activity.id, id))) throw notFound(`line item ${id}`);
}
