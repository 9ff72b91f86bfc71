/** RFC 6749 §5.2 / RFC 6750 §3: what an `error_description` may hold. */
import { errorDescription } from '../../../../functions/http/renderers/error-description';

describe('errorDescription', () => {
  it('keeps printable ASCII other than the double quote and the backslash', () => {
    expect(errorDescription("the client_id 'abc' is unknown (see §4.1)")).toBe("the client_id 'abc' is unknown (see 4.1)");
    expect(errorDescription('a "quoted" C:\\path, tab\there, line\nbreak, café')).toBe('a quoted C:path, tabhere, linebreak, caf');
  });
});
