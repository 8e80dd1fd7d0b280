import { assignRequestId, isSaneRequestId, requestIdOf } from './request-id.js';

function exchange(id?: string) {
  const req = { headers: id === undefined ? {} : { 'x-request-id': id } };
  const sent = new Map<string, string>();
  const res = { setHeader: (name: string, value: string) => sent.set(name, value) };
  return { req, res, sent };
}

describe('request ids', () => {
  it('keeps a sane caller id, on the request and in the response', () => {
    const { req, res, sent } = exchange('lb-7f3a:01.2_x');
    expect(assignRequestId(req, res)).toBe('lb-7f3a:01.2_x');
    expect(requestIdOf(req)).toBe('lb-7f3a:01.2_x');
    expect(sent.get('x-request-id')).toBe('lb-7f3a:01.2_x');
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'a'.repeat(129)],
    ['spaces', 'a b'],
    ['a line break', 'a\nINFO forged line'],
    ['quotes and markup', '"><script>'],
  ])('replaces a %s id with a new UUID, everywhere', (_what, id) => {
    const { req, res, sent } = exchange(id);
    const assigned = assignRequestId(req, res);
    expect(assigned).toMatch(/^[0-9a-f-]{36}$/);
    expect(req.headers['x-request-id']).toBe(assigned);
    expect(sent.get('x-request-id')).toBe(assigned);
  });

  it('accepts 1 to 128 characters of A-Z a-z 0-9 . _ : -', () => {
    expect(isSaneRequestId('a'.repeat(128))).toBe(true);
    expect(isSaneRequestId('x')).toBe(true);
    expect(isSaneRequestId(['a', 'b'])).toBe(false);
    expect(isSaneRequestId('é')).toBe(false);
  });
});
