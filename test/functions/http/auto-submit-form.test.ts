/** The self-submitting form page both launches use (`functions/http/auto-submit-form.ts`). */
import { createHash } from 'node:crypto';
import { autoSubmitFormPage } from '../../../functions/http/auto-submit-form';

describe('autoSubmitFormPage', () => {
  it('posts the escaped fields in order, repeats kept, and pins its one script by hash', () => {
    const result = autoSubmitFormPage({
      action: 'https://tool.example:8443/launch?a=1&b="2"',
      fields: [
        ['n"><script>', '</form>&'],
        ['n"><script>', 'again'],
      ],
      title: 'Open <T>',
      heading: 'Opening <T>',
      note: 'Wait & see',
      noscriptNote: 'No script: press Go.',
      button: 'Go to <T>',
    });
    const body = String(result.body);
    expect(result.statusCode).toBe(200);
    expect(body).toContain('<title>Open &lt;T&gt;</title>');
    expect(body).toContain(
      '<h1>Opening &lt;T&gt;</h1><form id="lti-launch" method="post" action="https://tool.example:8443/launch?a=1&amp;b=&quot;2&quot;" accept-charset="utf-8" enctype="application/x-www-form-urlencoded">' +
        '<input type="hidden" name="n&quot;&gt;&lt;script&gt;" value="&lt;/form&gt;&amp;">' +
        '<input type="hidden" name="n&quot;&gt;&lt;script&gt;" value="again">' +
        '<p>Wait &amp; see</p><noscript><p>No script: press Go.</p></noscript><button type="submit">Go to &lt;T&gt;</button></form>',
    );
    const scripts = [...body.matchAll(/<script>([^<]*)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toEqual(["document.getElementById('lti-launch').submit();"]);
    const csp = String(result.headers!['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp.split('; ')).toContain(`script-src 'sha256-${createHash('sha256').update(scripts[0]!).digest('base64')}'`);
    expect(csp.split('; ')).toContain('form-action https://tool.example:8443 https:');
  });

  it('leaves out the heading and the noscript note unless given, and allows http: only for an http action', () => {
    const result = autoSubmitFormPage({ action: 'http://localhost:3000/e/lti13/launch', fields: [], title: 'T', note: 'N', button: 'B' });
    const body = String(result.body);
    expect(body).not.toContain('<h1>');
    expect(body).not.toContain('<noscript>');
    expect(result.headers!['content-security-policy']).toMatch(/; form-action http:\/\/localhost:3000 https: http:$/);
  });
});
