/**
 * The two small pages of a login kept in the platform's storage (lti-cs-oidc, "OIDC login using
 * platform storage"), both served with a Content-Security-Policy that runs only their one inline
 * script (by hash) and works in an iframe (`window.parent`) and in a new window (`window.opener`),
 * lti-cs-pm `#target-frame`.
 *
 * - The login page asks for the platform's capabilities (lti-cs-pm `#capabilities-request-postmessage`),
 *   stores the login's proof and nonce with `lti.put_data` (lti-pm-s) in the named frame, then goes
 *   on to the platform's authentication URL; without capabilities that list `lti.put_data` and
 *   `lti.get_data`, or without an answer to a put, it goes on by the cookie path.
 * - The launch check page reads them back with `lti.get_data` and posts them with the id_token and
 *   state to the launch URL, where the server consumes the state only with the proof it was stored
 *   with (docs/platform-storage.md).
 *
 * Requests for data go only to the platform's storage origin (never `*`, lti-cs-oidc R6), and only
 * answers from that origin, with the request's `message_id` and subject + `.response`, count (R7);
 * capabilities are asked of any origin and only tell whether to try (Canvas answers them from the
 * course page, its storage from its OIDC origin).
 */
import { createHash } from 'node:crypto';
import { formActionSources } from '../../http/auto-submit-form';
import { escapeHtml, html, page } from '../../http/responses';
import type { ApiResult } from '../../http/types';
import { answerTimeoutMs, checkFields, subjects } from './vocabulary';

/** The data a page's script reads: JSON in a non-executable script element (`<` escaped). */
function dataBlock(data: unknown): string {
  return `<script type="application/json" id="lti-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>`;
}

const hashOf = (script: string) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`;

/** What both scripts share: the window to ask, the frame by name, one request and its answer. */
const prelude =
  "var d=JSON.parse(document.getElementById('lti-data').textContent);" +
  'var host=window.opener||(window.parent!==window?window.parent:null);' +
  "function mid(){var b=new Uint8Array(16);crypto.getRandomValues(b);return 'lti-'+Array.prototype.map.call(b,function(x){return (x+256).toString(16).slice(1)}).join('')}" +
  "function frame(name){if(!host)return null;if(name==='_parent')return host;try{return host.frames[name]||host}catch(e){return host}}" +
  'function ask(win,origin,message){return new Promise(function(resolve){' +
  'var id=mid(),done=false,timer;' +
  "function finish(answer){if(done)return;done=true;removeEventListener('message',listen);clearTimeout(timer);resolve(answer)}" +
  "function listen(e){var m=e.data;if(origin!=='*'&&e.origin!==origin)return;" +
  "if(!m||typeof m!=='object'||m.message_id!==id||m.subject!==message.subject+'.response')return;finish(m)}" +
  "addEventListener('message',listen);timer=setTimeout(function(){finish(null)},d.timeout);" +
  'message.message_id=id;try{win.postMessage(message,origin)}catch(e){finish(null)}})}';

const loginScript =
  '(function(){' +
  prelude +
  "function fallback(){document.getElementById('lti-fallback').hidden=false;location.replace(d.fallback)}" +
  'if(!host)return fallback();' +
  `ask(host,'*',{subject:'${subjects.capabilities}'}).then(function(caps){` +
  'var list=caps&&Array.isArray(caps.supported_messages)?caps.supported_messages:[];' +
  'var has=function(s){return list.some(function(m){return m&&m.subject===s})};' +
  `if(!has('${subjects.putData}')||!has('${subjects.getData}'))return null;` +
  'var win=frame(d.target);' +
  `return ask(win,d.origin,{subject:'${subjects.putData}',key:d.keys.state,value:d.proof}).then(function(a){` +
  `if(!a||a.error)return null;return ask(win,d.origin,{subject:'${subjects.putData}',key:d.keys.nonce,value:d.nonce})})` +
  '}).then(function(a){if(!a||a.error)return fallback();location.replace(d.next)})' +
  '})();';

const checkScript =
  '(function(){' +
  prelude +
  "function refuse(){document.getElementById('lti-checking').hidden=true;document.getElementById('lti-refused').hidden=false}" +
  'var win=frame(d.target);if(!win)return refuse();' +
  "var value=function(a){return a&&!a.error&&typeof a.value==='string'&&a.value!==''?a.value:null};" +
  `ask(win,d.origin,{subject:'${subjects.getData}',key:d.keys.state}).then(function(a){` +
  `if(!value(a))return null;return ask(win,d.origin,{subject:'${subjects.getData}',key:d.keys.nonce}).then(function(b){` +
  'return value(b)?[value(a),value(b)]:null})' +
  '}).then(function(v){if(!v)return refuse();' +
  "var f=document.getElementById('lti-launch');" +
  `f.elements['${checkFields.proof}'].value=v[0];f.elements['${checkFields.nonce}'].value=v[1];` +
  // lti-pm-s: a null value removes the key; the values are of no use once posted.
  `[d.keys.state,d.keys.nonce].forEach(function(k){try{win.postMessage({subject:'${subjects.putData}',message_id:mid(),key:k,value:null},d.origin)}catch(e){}});` +
  'f.submit()})' +
  '})();';

const loginCsp = `; script-src ${hashOf(loginScript)}`;

export interface StorageLoginPage {
  readonly origin: string;
  readonly target: string;
  readonly keys: { readonly state: string; readonly nonce: string };
  /** The secret only this login's page and the platform's storage hold (docs/platform-storage.md). */
  readonly proof: string;
  readonly nonce: string;
  /** The authentication request (Security 1.0 §5.1.1.2). */
  readonly next: string;
  /** The same login without `lti_storage_target`: the cookie path. */
  readonly fallback: string;
}

/** lti-cs-oidc steps 2-5: store, then go on to the platform (or by the cookie path). */
export function storageLoginPage(data: StorageLoginPage): ApiResult {
  const body =
    '<p>Connecting to your learning platform…</p>' +
    '<p id="lti-fallback" hidden>The platform did not keep this login for the academy, so the academy tries with a cookie. ' +
    'If the activity does not open, open it in a new window from the platform.</p>' +
    '<noscript><p>This launch needs JavaScript. Please turn it on, or open the activity in a new window.</p></noscript>' +
    dataBlock({ ...data, timeout: answerTimeoutMs }) +
    `<script>${loginScript}</script>`;
  return html(200, page('Connecting', body), {}, loginCsp);
}

export interface StorageCheckPage {
  /** The launch URL the page posts back to (its own URL). */
  readonly action: string;
  readonly idToken: string;
  readonly state: string;
  readonly origin: string;
  readonly target: string;
  readonly keys: { readonly state: string; readonly nonce: string };
}

/** lti-cs-oidc steps 7-8: read the login's values back, then post them with the launch. */
export function storageCheckPage(data: StorageCheckPage): ApiResult {
  const { action, idToken, state, ...rest } = data;
  const body =
    `<form id="lti-launch" method="post" action="${escapeHtml(action)}">` +
    `<input type="hidden" name="id_token" value="${escapeHtml(idToken)}">` +
    `<input type="hidden" name="state" value="${escapeHtml(state)}">` +
    `<input type="hidden" name="${checkFields.proof}" value="">` +
    `<input type="hidden" name="${checkFields.nonce}" value="">` +
    '</form>' +
    '<p id="lti-checking">Checking the launch with your learning platform…</p>' +
    '<div id="lti-refused" hidden><h1>The launch could not be checked</h1>' +
    "<p>The learning platform did not give back what this launch's login kept in it (<code>lti_storage_target</code>), " +
    'so the academy cannot tell that the launch was started in this browser. Please launch the activity again from the platform; ' +
    'if this happens again, open the activity in a new window, or ask the platform administrator whether the platform offers storage to tools.</p>' +
    '<p>Code: <code>storage_unanswered</code></p></div>' +
    '<noscript><p>This launch needs JavaScript. Please turn it on, or open the activity in a new window.</p></noscript>' +
    dataBlock({ ...rest, timeout: answerTimeoutMs }) +
    `<script>${checkScript}</script>`;
  return html(200, page('Checking the launch', body), {}, `; script-src ${hashOf(checkScript)}; form-action ${formActionSources(action)}`);
}
