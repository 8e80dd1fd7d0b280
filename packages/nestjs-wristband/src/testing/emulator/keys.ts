/**
 * Signing keys and the JWKS. The first key signs; every key of the ring is served, so tokens signed
 * before a rotation stay verifiable until the old key is dropped. Foreign keys sign forged tokens.
 */
import * as crypto from 'node:crypto';
import { promisify } from 'node:util';
import * as jose from 'jose';

export type JWK = jose.JWK;

export interface SigningKey {
  kid: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  privateJwk: JWK;
  publicJwk: JWK;
}

export const generateKeyPair = promisify(crypto.generateKeyPair);

export async function newSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('rsa', { modulusLength: 2048 });
  const publicJwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = (await jose.calculateJwkThumbprint(publicJwk)).slice(0, 16);
  return {
    kid,
    privateKey,
    publicKey,
    privateJwk: { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' },
  };
}

export class KeyRing {
  private foreignRsa?: SigningKey;
  private foreignEc?: crypto.KeyObject;

  private constructor(private keys: SigningKey[]) {}

  static async create(): Promise<KeyRing> {
    return new KeyRing([await newSigningKey()]);
  }

  /** The key that signs. */
  get current(): SigningKey {
    return this.keys[0];
  }

  /** A new signing key (new kid); the old ones stay in the JWKS unless `keepOld` is false. */
  async rotate(keepOld: boolean): Promise<void> {
    const key = await newSigningKey();
    this.keys = keepOld ? [key, ...this.keys] : [key];
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => ({ ...k.publicJwk })) };
  }

  /** Verifies against the keys served now (what a client fetching the JWKS would do). */
  verifier(): ReturnType<typeof jose.createLocalJWKSet> {
    return jose.createLocalJWKSet(this.jwks());
  }

  /** An RSA key the JWKS never serves (forged signatures). */
  async foreignRsaKey(): Promise<SigningKey> {
    return (this.foreignRsa ??= await newSigningKey());
  }

  /** An EC P-256 private key (tokens with an algorithm Wristband does not use). */
  async foreignEcKey(): Promise<crypto.KeyObject> {
    return (this.foreignEc ??= (await generateKeyPair('ec', { namedCurve: 'P-256' })).privateKey);
  }
}
