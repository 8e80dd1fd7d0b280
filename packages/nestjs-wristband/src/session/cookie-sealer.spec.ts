import { CookieSealer } from './cookie-sealer.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

describe('CookieSealer', () => {
  it('round-trips a value, and sealing it twice gives two different cookies (fresh IV each time)', () => {
    const sealer = new CookieSealer([A]);
    const value = { userId: 'u1', secret: 'refresh-token-value' };
    const first = sealer.seal('session', value);
    const second = sealer.seal('session', value);
    expect(first).not.toBe(second);
    expect(sealer.unseal('session', first)).toEqual(value);
    expect(sealer.unseal('session', second)).toEqual(value);
  });

  it('refuses a value with any single byte changed (header, IV, tag or ciphertext)', () => {
    const sealer = new CookieSealer([A]);
    const raw = Buffer.from(sealer.seal('session', { n: 1 }), 'base64url');
    const opened = [];
    for (let i = 0; i < raw.length; i++) {
      const tampered = Buffer.from(raw);
      tampered[i] ^= 1;
      opened.push(sealer.unseal('session', tampered.toString('base64url')));
    }
    expect(opened).toEqual(Array(raw.length).fill(undefined));
    expect(
      sealer.unseal('session', raw.subarray(0, raw.length - 1).toString('base64url')),
    ).toBeUndefined();
  });

  it('opens only the spelling it produced: no extra, foreign or padding characters', () => {
    const sealer = new CookieSealer([A]);
    // Lengths 3k, 3k+1, 3k+2 bytes: every tail shape of base64url.
    for (const n of ['', 'x', 'xx']) {
      const sealed = sealer.seal('session', { n });
      expect(sealer.unseal('session', sealed)).toEqual({ n });
      for (const variant of [
        `${sealed}A`,
        `${sealed}=`,
        `${sealed}!`,
        ` ${sealed}`,
        `${sealed.slice(0, 10)}.${sealed.slice(10)}`,
      ])
        expect(sealer.unseal('session', variant)).toBeUndefined();
    }
  });

  it('refuses a value sealed for another purpose', () => {
    const sealer = new CookieSealer([A]);
    expect(sealer.unseal('session', sealer.seal('login-state', { n: 1 }))).toBeUndefined();
  });

  it('refuses a value sealed with a foreign secret', () => {
    expect(
      new CookieSealer([A]).unseal('session', new CookieSealer([B]).seal('session', { n: 1 })),
    ).toBeUndefined();
  });

  it('opens with every secret and seals with the first (rotation)', () => {
    const old = new CookieSealer([A]).seal('session', { n: 1 });
    const rotated = new CookieSealer([B, A]);
    expect(rotated.unseal('session', old)).toEqual({ n: 1 });
    expect(new CookieSealer([B]).unseal('session', rotated.seal('session', { n: 2 }))).toEqual({
      n: 2,
    });
    expect(
      new CookieSealer([A]).unseal('session', rotated.seal('session', { n: 2 })),
    ).toBeUndefined();
  });

  it.each(['', 'garbage', '%%%%', 'x'.repeat(20_000)])('refuses malformed input %#', (input) => {
    expect(new CookieSealer([A]).unseal('session', input)).toBeUndefined();
  });
});
