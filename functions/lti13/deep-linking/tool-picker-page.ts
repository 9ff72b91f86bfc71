/**
 * The academy's content picker (Deep Linking 2.0 §2.2: "the tool entirely controls the user
 * experience for discovering and selecting content items"; docs/product.md "Deep Linking 2.0"): a
 * plain HTML form that works without JavaScript, shown in the platform's frame or window.
 *
 * - One checkbox per activity, or one radio button when the platform accepts a single item
 *   (`accept_multiple`), its value the activity id, its label the title, with type, duration and
 *   description tied to it by `aria-describedby`.
 * - A search field with its own submit button, first in the form, so that Enter in the field
 *   searches; the search keeps what was ticked (ticked activities stay listed whatever the search).
 * - A submit button, and a second one named `cancel`.
 * - The form carries one hidden field: the picker's single-use token, never the request's claims.
 *
 * Every value is HTML-escaped; the page runs no script, loads nothing, and may post only to the
 * academy's deep linking URL (`form-action`).
 */
import type { Activity, ActivityType } from '../../academy/model';
import { escapeHtml, html, page } from '../../http/responses';
import type { ApiResult } from '../../http/types';

/** The form fields the picker posts. */
export const pickerFields = { token: 'picker', activity: 'activity', query: 'q', search: 'search', add: 'add', cancel: 'cancel' } as const;

export interface PickerPage {
  /** The environment's deep linking URL, where the form posts. */
  readonly action: string;
  readonly token: string;
  readonly environmentName: string;
  /** Every activity the picker offers, in the order shown. */
  readonly activities: readonly Activity[];
  readonly multiple: boolean;
  /** The search as typed; the list shows the activities that match it, and those already ticked. */
  readonly query?: string;
  readonly chosen?: readonly string[];
  /** A sentence shown above the list (e.g. that nothing was ticked). */
  readonly notice?: string;
}

const typeNames: Readonly<Record<ActivityType, string>> = {
  'e-learning': 'E-learning',
  microlearning: 'Microlearning',
  'learning-playlist': 'Learning playlist',
  exam: 'Exam',
};

/** The activities a search shows: each word of the query in the title, description or type (any case). */
export function matchingActivities(activities: readonly Activity[], query: string, chosen: readonly string[] = []): Activity[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return activities.filter((activity) => {
    if (chosen.includes(activity.id)) return true;
    const text = `${activity.title} ${activity.description ?? ''} ${typeNames[activity.type]}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

function details(activity: Activity): string {
  const facts = [typeNames[activity.type], ...(activity.durationMinutes ? [`${activity.durationMinutes} min`] : [])].join(' · ');
  return escapeHtml(facts) + (activity.description ? `<br>${escapeHtml(activity.description)}` : '');
}

function choice(activity: Activity, index: number, multiple: boolean, checked: boolean): string {
  const id = `activity-${index}`;
  return (
    '<li>' +
    `<input type="${multiple ? 'checkbox' : 'radio'}" name="${pickerFields.activity}" id="${id}" value="${escapeHtml(activity.id)}"` +
    ` aria-describedby="${id}-details"${checked ? ' checked' : ''}>` +
    ` <label for="${id}">${escapeHtml(activity.title)}</label>` +
    `<div id="${id}-details" class="details">${details(activity)}</div>` +
    '</li>'
  );
}

const styles =
  '<style>ul.activities{list-style:none;padding:0}ul.activities li{margin:.75rem 0}' +
  '.details{margin-left:1.6rem;color:#444;font-size:.95em}fieldset{border:1px solid #ccc;margin:1rem 0}' +
  'input,button{font:inherit}button{margin-right:.5rem}:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}</style>';

/** The picker as a 200 page. */
export function pickerPage(picker: PickerPage): ApiResult {
  const query = picker.query?.trim() ?? '';
  const chosen = picker.chosen ?? [];
  const shown = matchingActivities(picker.activities, query, chosen);
  const what = picker.multiple ? 'activities' : 'an activity';
  const list =
    shown.length > 0
      ? `<ul class="activities">${shown.map((activity, i) => choice(activity, i, picker.multiple, chosen.includes(activity.id))).join('')}</ul>`
      : `<p>${picker.activities.length === 0 ? 'This academy offers no activity over LTI yet.' : `No activity matches “${escapeHtml(query)}”.`}</p>`;
  const title = `Choose ${what} from ${picker.environmentName}`;
  const body =
    styles +
    `<h1>${escapeHtml(title)}</h1>` +
    `<form method="post" action="${escapeHtml(picker.action)}" accept-charset="utf-8">` +
    `<input type="hidden" name="${pickerFields.token}" value="${escapeHtml(picker.token)}">` +
    (picker.notice ? `<p role="alert">${escapeHtml(picker.notice)}</p>` : '') +
    `<p><label for="${pickerFields.query}">Search activities</label> ` +
    `<input type="search" id="${pickerFields.query}" name="${pickerFields.query}" value="${escapeHtml(query)}"> ` +
    `<button type="submit" name="${pickerFields.search}" value="1">Search</button></p>` +
    `<fieldset><legend>${picker.multiple ? 'Activities to add' : 'Activity to add'} (${shown.length} of ${picker.activities.length})</legend>${list}</fieldset>` +
    `<button type="submit" name="${pickerFields.add}" value="1">${picker.multiple ? 'Add the selected activities' : 'Add the selected activity'}</button>` +
    `<button type="submit" name="${pickerFields.cancel}" value="1">Cancel</button>` +
    '</form>';
  return html(200, page(title, body), {}, `; form-action ${new URL(picker.action).origin}`);
}
