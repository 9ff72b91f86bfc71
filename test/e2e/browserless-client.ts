/**
 * What a browser does in an LTI 1.3 launch, without a browser: follows redirects one by one,
 * keeps each host's cookies (name and value; an interop test needs no more), and submits the
 * auto-submitting form an OIDC `form_post` answers (OAuth 2.0 Form Post Response Mode §2).
 */

export interface FormPost {
  readonly action: string;
  readonly fields: Record<string, string>;
}

/** The first `<form>` of a page: its action and its hidden inputs (HTML-unescaped). */
export function readForm(html: string, base: string): FormPost {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in the page: ${html.slice(0, 300)}`);
  const unescape = (value: string) =>
    value
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#x2F;/gi, '/')
      .replace(/&amp;/g, '&');
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/i.exec(input[0])?.[1];
    const value = /\bvalue="([^"]*)"/i.exec(input[0])?.[1] ?? '';
    if (name) fields[unescape(name)] = unescape(value);
  }
  return { action: new URL(unescape(form[1]!), base).toString(), fields };
}

export class BrowserlessClient {
  private readonly jars = new Map<string, Map<string, string>>();
  /** Every URL requested, in order (without query strings, which carry one-time values). */
  readonly visited: string[] = [];

  private cookieHeader(url: URL): string | undefined {
    const jar = this.jars.get(url.host);
    return jar && jar.size > 0 ? [...jar].map(([name, value]) => `${name}=${value}`).join('; ') : undefined;
  }

  private keep(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const jar = this.jars.get(url.host) ?? new Map<string, string>();
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(name);
      else jar.set(name, value);
      this.jars.set(url.host, jar);
    }
  }

  /** One request, no redirect followed. */
  async request(method: 'GET' | 'POST', target: string, form?: Record<string, string>): Promise<Response> {
    const url = new URL(target);
    this.visited.push(`${method} ${url.origin}${url.pathname}`);
    const cookie = this.cookieHeader(url);
    const response = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    this.keep(url, response);
    return response;
  }

  /** Requests and follows redirects (a 303 continues as GET) until an answer that is not one. */
  async navigate(method: 'GET' | 'POST', target: string, form?: Record<string, string>): Promise<{ response: Response; url: string }> {
    let response = await this.request(method, target, form);
    let url = target;
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      if (hops > 10) throw new Error('too many redirects');
      const location = response.headers.get('location');
      if (!location) throw new Error(`redirect ${response.status} without a location from ${url}`);
      await response.arrayBuffer();
      url = new URL(location, url).toString();
      response = await this.request('GET', url);
    }
    return { response, url };
  }
}
