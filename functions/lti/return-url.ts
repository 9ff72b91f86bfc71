/**
 * The LMS's return URL (LTI 1.1 `launch_presentation_return_url`, LTI 1.3 the
 * `launch_presentation.return_url` claim; Core 1.3 §5.4.4): where the academy, or an error, sends
 * the learner back. It reaches a browser, so only an absolute `https:` URL (`http:` too in local
 * mode) without credentials is passed on; anything else (`javascript:`, `data:`, a relative URL,
 * `https://user:pass@…`) is dropped and logged, never followed.
 */
import { log } from '../observability';

/** Why a return URL was dropped, as logged. */
type Dropped = 'not-a-url' | 'scheme' | 'credentials';

function problem(url: URL | undefined, localMode: boolean): Dropped | undefined {
  if (!url) return 'not-a-url';
  if (url.protocol !== 'https:' && !(localMode && url.protocol === 'http:')) return 'scheme';
  if (url.username || url.password) return 'credentials';
  return undefined;
}

/** The return URL when it may be passed on, else undefined (and a log line naming the reason and scheme, never the URL). */
export function checkedReturnUrl(value: string | undefined, localMode: boolean): string | undefined {
  if (value === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  const dropped = problem(url, localMode);
  if (!dropped) return url!.toString();
  // The URL itself may carry an LMS session token: only its scheme is logged.
  log.warn('return URL dropped', { code: 'return_url_dropped', reason: dropped, scheme: url?.protocol ?? null });

  return undefined;
}
