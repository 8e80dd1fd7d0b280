import { CookieSealer } from './cookie-sealer.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

describe('CookieSealer', () => {
  it('round-trips a value and hides it', () => {
    const sealer = new CookieSealer([A]);
    const sealed = sealer.seal('session', { userId: 'u1', secret: 'refresh-token-value' });
    expect(sealed).not.toContain('refresh-token-value');
    expect(Buffer.from(sealed, 'base64url').toString('latin1')).not.toContain('refresh');
    expect(sealer.unseal('session', sealed)).toEqual({ userId: 'u1', secret: 'refresh-token-value' });
  });

  it('refuses a tampered value', () => {
    const sealer = new CookieSealer([A]);
    const raw = Buffer.from(sealer.seal('session', { n: 1 }), 'base64url');
    raw[raw.length - 1] ^= 1;
    expect(sealer.unseal('session', raw.toString('base64url'))).toBeUndefined();
  });

  it('refuses a value sealed for another purpose', () => {
    const sealer = new CookieSealer([A]);
    expect(sealer.unseal('session', sealer.seal('login-state', { n: 1 }))).toBeUndefined();
  });

  it('refuses a value sealed with a foreign secret', () => {
    expect(new CookieSealer([A]).unseal('session', new CookieSealer([B]).seal('session', { n: 1 }))).toBeUndefined();
  });

  it('opens with every secret and seals with the first (rotation)', () => {
    const old = new CookieSealer([A]).seal('session', { n: 1 });
    const rotated = new CookieSealer([B, A]);
    expect(rotated.unseal('session', old)).toEqual({ n: 1 });
    expect(new CookieSealer([B]).unseal('session', rotated.seal('session', { n: 2 }))).toEqual({ n: 2 });
    expect(new CookieSealer([A]).unseal('session', rotated.seal('session', { n: 2 }))).toBeUndefined();
  });

  it.each(['', 'garbage', '%%%%', 'x'.repeat(20_000)])('refuses malformed input %#', (input) => {
    expect(new CookieSealer([A]).unseal('session', input)).toBeUndefined();
  });
});
