/**
 * The academy as platform offering its storage to a tool (lti-cs-pm, lti-pm-s, lti-cs-oidc R1-R3):
 * the launch page holds the tool in a frame, its login initiation sent with
 * `lti_storage_target=_parent`, and answers the tool frame's `lti.capabilities`, `lti.put_data` and
 * `lti.get_data` messages.
 *
 * - Only messages from the tool's registered origins (its login initiation URL, redirect URIs, deep
 *   linking URL and the launch's target link URI) are answered; any other is ignored.
 * - Answers go to `event.source` with targetOrigin `event.origin` (S5), with subject + `.response`
 *   and the request's `message_id` (E2); errors carry `code` and `message` (E4): `bad_request`
 *   (no `message_id`, no `key`, a value that is not a string or null), `unsupported_subject`,
 *   `storage_exhaustion` (over 50 keys or 4096 characters per origin, S3).
 * - Data is kept in this page's memory, apart per origin (S1), and lives as long as the launch's
 *   page: nothing is written to `localStorage` or sent to the server (S2).
 * - The page is served from the origin of the academy's OIDC authorization endpoint, the origin a
 *   tool sends its storage messages to (S4).
 */
import { createHash } from 'node:crypto';
import { formActionSources } from '../../http/auto-submit-form';
import { escapeHtml, html } from '../../http/responses';
import type { ApiResult } from '../../http/types';
import { storageErrors, subjects } from './vocabulary';

/** Keys and characters (keys plus values) one origin may keep (D2L keeps 4096 characters, 500 keys). */
export const storageLimits = { keys: 50, characters: 4096 } as const;

const responderScript =
  '(function(){' +
  "var d=JSON.parse(document.getElementById('lti-data').textContent);var store=new Map();" +
  "addEventListener('message',function(e){" +
  'if(d.origins.indexOf(e.origin)<0||!e.source)return;' +
  "var m=e.data;if(!m||typeof m!=='object'||typeof m.subject!=='string'||/\\.response$/.test(m.subject))return;" +
  "function answer(f){var r={subject:m.subject+'.response',message_id:m.message_id};for(var k in f)r[k]=f[k];try{e.source.postMessage(r,e.origin)}catch(x){}}" +
  'function fail(code,message){answer({error:{code:code,message:message}})}' +
  `if(typeof m.message_id!=='string'||m.message_id==='')return fail('${storageErrors.badRequest}','There is no message_id.');` +
  `if(m.subject==='${subjects.capabilities}')return answer({supported_messages:[{subject:'${subjects.capabilities}'},{subject:'${subjects.putData}'},{subject:'${subjects.getData}'}]});` +
  `if(m.subject!=='${subjects.putData}'&&m.subject!=='${subjects.getData}')return fail('${storageErrors.unsupportedSubject}','The subject '+m.subject+' is not supported.');` +
  `if(typeof m.key!=='string'||m.key==='')return fail('${storageErrors.badRequest}','There is no key.');` +
  'var data=store.get(e.origin);if(!data){data=new Map();store.set(e.origin,data)}' +
  `if(m.subject==='${subjects.getData}')return answer({key:m.key,value:data.has(m.key)?data.get(m.key):null});` +
  'if(m.value===null){data.delete(m.key);return answer({key:m.key,value:null})}' +
  `if(typeof m.value!=='string')return fail('${storageErrors.badRequest}','The value must be a string, or null to remove the key.');` +
  'var size=m.key.length+m.value.length;data.forEach(function(v,k){if(k!==m.key)size+=k.length+v.length});' +
  `if(size>d.limits.characters||(!data.has(m.key)&&data.size>=d.limits.keys))return fail('${storageErrors.storageExhaustion}','This tool keeps too much here.');` +
  'data.set(m.key,m.value);answer({key:m.key,value:m.value})' +
  '});' +
  // The data lives for this launch only.
  "addEventListener('pagehide',function(){store.clear()})" +
  '})();';

const responderHash = `'sha256-${createHash('sha256').update(responderScript).digest('base64')}'`;

export interface PlatformHostPage {
  /** The tool's login initiation URL with every parameter, `lti_storage_target` among them. */
  readonly loginUrl: string;
  /** The origins whose messages are answered. */
  readonly origins: readonly string[];
  readonly title: string;
}

/** The launch page: the tool in a frame that fills it, and the storage it may use. */
export function platformHostPage(host: PlatformHostPage, cookies: string[]): ApiResult {
  const data = JSON.stringify({ origins: [...new Set(host.origins)], limits: storageLimits }).replace(/</g, '\\u003c');
  const body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${escapeHtml(host.title)}</title>` +
    '<style>html,body{margin:0;height:100%}iframe{display:block;border:0;width:100%;height:100%}</style></head><body>' +
    `<iframe id="lti-tool" name="lti-tool" title="${escapeHtml(host.title)}" src="${escapeHtml(host.loginUrl)}" allow="fullscreen; clipboard-write"></iframe>` +
    `<script type="application/json" id="lti-data">${data}</script>` +
    `<script>${responderScript}</script></body></html>`;
  // The frame goes from the tool to the academy's authorization endpoint and back, then wherever the tool sends it.
  const frames = formActionSources(host.loginUrl);
  return { ...html(200, body, {}, `; script-src ${responderHash}; frame-src ${frames}`), cookies };
}

/** The origins of a tool's registered URLs. */
export function originsOf(urls: readonly (string | undefined)[]): string[] {
  return [...new Set(urls.filter((url): url is string => url !== undefined).map((url) => new URL(url).origin))];
}
