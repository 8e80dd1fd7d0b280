import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/** What a sealed value is for; each purpose has its own keys, so one kind cannot pass for another. */
export type SealPurpose = 'session' | 'session-id' | 'login-state' | 'redis-session';

/**
 * Every purpose, with the longest sealed value it opens. Cookies come from clients: a bound keeps a
 * forged giant value from costing a decode. The Redis session (its `data` field) is written by this
 * module only and may outgrow a cookie, the reason for Redis sessions: no bound, or a large session
 * would be stored and then never open.
 */
const PURPOSES: Record<SealPurpose, number> = {
  session: 16_384,
  'session-id': 16_384,
  'login-state': 16_384,
  'redis-session': Number.POSITIVE_INFINITY,
};
const VERSION = 1;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;

interface SealKey {
  id: Buffer;
  key: Buffer;
}

/**
 * Authenticated encryption (AES-256-GCM) of small values (JSON or bytes) for cookies.
 * Keys come from the secrets through HKDF-SHA256, derived once at construction. The first secret
 * seals; every secret opens, so secrets rotate without logging anyone out.
 * Layout (base64url): version(1) | key id(4) | iv(12) | tag(16) | ciphertext.
 */
export class CookieSealer {
  private readonly keys = new Map<SealPurpose, SealKey[]>();

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('CookieSealer needs at least one secret');
    for (const purpose of Object.keys(PURPOSES) as SealPurpose[]) {
      this.keys.set(
        purpose,
        secrets.map((secret) => {
          const key = Buffer.from(hkdfSync('sha256', secret, 'wristband-nestjs/v1', purpose, 32));
          const id = createHash('sha256').update(key).digest().subarray(0, KEY_ID_BYTES);
          return { id, key };
        }),
      );
    }
  }

  seal(purpose: SealPurpose, value: unknown): string {
    return this.sealBytes(purpose, Buffer.from(JSON.stringify(value), 'utf8'));
  }

  /** The sealed value, or `undefined` when it is malformed, tampered with or sealed by an unknown secret. */
  unseal<T>(purpose: SealPurpose, sealed: string): T | undefined {
    const plain = this.unsealBytes(purpose, sealed);
    if (!plain) return undefined;
    try {
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      return undefined;
    }
  }

  /** Seals bytes as they are (for values with their own compact encoding, like the session cookie). */
  sealBytes(purpose: SealPurpose, plain: Buffer): string {
    const { id, key } = this.keysFor(purpose)[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const ciphertext = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.of(VERSION), id, iv, cipher.getAuthTag(), ciphertext]).toString(
      'base64url',
    );
  }

  /** The bytes sealed by `sealBytes` (or `seal`), or `undefined` as for `unseal`. */
  unsealBytes(purpose: SealPurpose, sealed: string): Buffer | undefined {
    if (sealed.length > PURPOSES[purpose]) return undefined;
    const raw = Buffer.from(sealed, 'base64url');
    if (raw.length <= HEADER_BYTES || raw[0] !== VERSION) return undefined;
    // Node's decoder skips characters outside the alphabet and spare trailing bits: only the one
    // spelling `sealBytes` produces opens, so no two cookie values are the same session.
    if (raw.toString('base64url') !== sealed) return undefined;
    const id = raw.subarray(1, 1 + KEY_ID_BYTES);
    const entry = this.keysFor(purpose).find((k) => k.id.equals(id));
    if (!entry) return undefined;
    try {
      const iv = raw.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
      const tag = raw.subarray(1 + KEY_ID_BYTES + IV_BYTES, HEADER_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', entry.key, iv, { authTagLength: TAG_BYTES });
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(raw.subarray(HEADER_BYTES)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  private keysFor(purpose: SealPurpose): SealKey[] {
    return this.keys.get(purpose)!;
  }
}
