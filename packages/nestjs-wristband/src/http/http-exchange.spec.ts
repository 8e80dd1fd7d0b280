import { parseCookie } from 'cookie';
import { readCookie, type RawRequest } from './http-exchange.js';

const req = (cookie?: string) =>
  ({ headers: cookie === undefined ? {} : { cookie } }) as RawRequest;

describe('readCookie', () => {
  it.each([
    ['wb_session=abc', 'abc'],
    ['a=1; wb_session=abc; b=2', 'abc'],
    ['  wb_session =  abc  ;x=1', 'abc'],
    ['wb_session="abc"', '"abc"'],
    ['wb_session=first; wb_session=second', 'first'],
    ['wb_session=', ''],
    ['wb_sessionX=no; xwb_session=no; wb_session=yes', 'yes'],
    ['wb_session_old=no', undefined],
    ['wb_session', undefined],
    ['other=1', undefined],
    ['', undefined],
  ])('%j → %j, like the cookie package', (header, expected) => {
    expect(readCookie(req(header), 'wb_session')).toBe(expected);
    if (header) expect(readCookie(req(header), 'wb_session')).toBe(parseCookie(header).wb_session);
  });

  it('answers undefined without a Cookie header', () => {
    expect(readCookie(req(), 'wb_session')).toBeUndefined();
  });
});
