import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { rolesFromClaims } from '../wristband-user.factory.js';

/**
 * The cookie store's encoding of a session (before sealing). The browser sends the cookie with every
 * request, so each byte is paid on every request (wire, header parsing) and counts against the
 * 4096-byte cookie limit. Compared with the session as JSON, it:
 * - leaves out what the userinfo claims already say (user and tenant ids and names, identity
 *   provider, email, roles) and restores it on read; a value that differs from its claim is kept;
 * - stores a JWT access token as its raw bytes instead of base64url text (a quarter smaller);
 * - lists fields by position instead of by name.
 *
 * Layout: FORMAT (1 byte) | JSON length (uint32 BE) | JSON array | access token section.
 * Sessions sealed before this encoding existed (a JSON object) are still read.
 */
const FORMAT = 2;
const JSON_OBJECT_START = 0x7b; // '{': the first byte of a session sealed as plain JSON
const TOKEN_TEXT = 0;
const TOKEN_JWT = 1;

type Claims = Record<string, unknown>;
type DerivedField = 'userId' | 'tenantId' | 'tenantName' | 'identityProviderName' | 'email' | 'roles';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Session fields that normally just repeat a userinfo claim. */
const DERIVED: Record<DerivedField, (claims: Claims) => unknown> = {
  userId: (c) => str(c.sub),
  tenantId: (c) => str(c.tnt_id),
  tenantName: (c) => str(c.tnt_name),
  identityProviderName: (c) => str(c.idp_name),
  email: (c) => str(c.email),
  roles: (c) => rolesFromClaims(c),
};
const DERIVED_FIELDS = Object.keys(DERIVED) as DerivedField[];

/** Fields stored as they are: the derived ones that differ from their claim, and tenantCustomDomain. */
type Kept = Partial<Record<DerivedField | 'tenantCustomDomain', unknown>>;

type Fields = [
  id: string,
  csrfToken: string,
  createdAt: number,
  lastSeenAt: number,
  accessTokenExpiresAt: number,
  refreshToken: string | null,
  claims: Claims,
  kept: Kept,
];

export function encodeSessionCookie(session: WristbandSession): Buffer {
  const claims = session.claims;
  const kept: Kept = {};
  for (const field of DERIVED_FIELDS) {
    const value = session[field];
    // `null` stands for "no value" where the claim has one (JSON has no undefined).
    if (!sameValue(value, DERIVED[field](claims))) kept[field] = value ?? null;
  }
  if (session.tenantCustomDomain !== undefined) kept.tenantCustomDomain = session.tenantCustomDomain;
  const fields: Fields = [
    session.id,
    session.csrfToken,
    session.createdAt,
    session.lastSeenAt,
    session.accessTokenExpiresAt,
    session.refreshToken ?? null,
    claims,
    kept,
  ];
  const json = Buffer.from(JSON.stringify(fields), 'utf8');
  const head = Buffer.alloc(5);
  head[0] = FORMAT;
  head.writeUInt32BE(json.length, 1);
  return Buffer.concat([head, json, encodeToken(session.accessToken)]);
}

/** The session, or `undefined` for bytes this codec did not write (callers check the shape). */
export function decodeSessionCookie(plain: Buffer): WristbandSession | undefined {
  try {
    if (plain[0] === JSON_OBJECT_START) return JSON.parse(plain.toString('utf8')) as WristbandSession;
    if (plain[0] !== FORMAT || plain.length < 5) return undefined;
    const jsonEnd = 5 + plain.readUInt32BE(1);
    if (jsonEnd > plain.length) return undefined;
    const fields = JSON.parse(plain.toString('utf8', 5, jsonEnd)) as Fields;
    const accessToken = decodeToken(plain.subarray(jsonEnd));
    if (!Array.isArray(fields) || fields.length !== 8 || accessToken === undefined) return undefined;
    const [id, csrfToken, createdAt, lastSeenAt, accessTokenExpiresAt, refreshToken, claims, kept] = fields;
    if (typeof claims !== 'object' || claims === null || typeof kept !== 'object' || kept === null) return undefined;
    const restored = (field: DerivedField): unknown => (field in kept ? (kept[field] ?? undefined) : DERIVED[field](claims));
    return {
      id,
      userId: restored('userId') as string,
      tenantId: restored('tenantId') as string,
      tenantName: restored('tenantName') as string,
      ...(kept.tenantCustomDomain !== undefined && { tenantCustomDomain: kept.tenantCustomDomain as string }),
      identityProviderName: restored('identityProviderName') as string,
      email: restored('email') as string | undefined,
      roles: restored('roles') as string[],
      claims,
      accessToken,
      accessTokenExpiresAt,
      refreshToken: refreshToken ?? undefined,
      csrfToken,
      createdAt,
      lastSeenAt,
    };
  } catch {
    return undefined;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** A JWT as its three decoded parts (each length-prefixed), anything else as text. */
function encodeToken(token: string): Buffer {
  const parts = token.split('.');
  if (parts.length === 3) {
    const bytes = parts.map((p) => Buffer.from(p, 'base64url'));
    // Only when decoding is exact: a non-canonical part would come back as different text.
    if (bytes.every((b, i) => b.length <= 0xffff && b.toString('base64url') === parts[i])) {
      const out = Buffer.alloc(1 + 6 + bytes.reduce((n, b) => n + b.length, 0));
      out[0] = TOKEN_JWT;
      let at = 1;
      for (const b of bytes) {
        out.writeUInt16BE(b.length, at);
        b.copy(out, at + 2);
        at += 2 + b.length;
      }
      return out;
    }
  }
  return Buffer.concat([Buffer.of(TOKEN_TEXT), Buffer.from(token, 'utf8')]);
}

function decodeToken(section: Buffer): string | undefined {
  if (section[0] === TOKEN_TEXT) return section.toString('utf8', 1);
  if (section[0] !== TOKEN_JWT) return undefined;
  const parts: string[] = [];
  let at = 1;
  for (let i = 0; i < 3; i++) {
    if (at + 2 > section.length) return undefined;
    const end = at + 2 + section.readUInt16BE(at);
    if (end > section.length) return undefined;
    parts.push(section.toString('base64url', at + 2, end));
    at = end;
  }
  return at === section.length ? parts.join('.') : undefined;
}
