import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import { rolesFromClaims } from '../wristband-user.factory.js';

/**
 * The cookie store's encoding of a session (before sealing). The browser sends the cookie with every
 * request, so each byte is paid on every request (wire, header parsing) and counts against the
 * 4096-byte cookie limit. To be less than half the size of the session as JSON (the spec holds it to
 * that), it:
 * - leaves out what the userinfo claims already say (user and tenant ids and names, identity
 *   provider, email, roles) and restores it on read; a value that differs from its claim is kept;
 * - stores a JWT access token as raw bytes instead of base64url text;
 * - compresses the userinfo claims together with the token's header and payload (they repeat each
 *   other's names and ids), with a preset dictionary of Wristband's claim names;
 * - lists fields by position instead of by name.
 *
 * Only data that is no secret is compressed. The session id, CSRF token, refresh token and the token's
 * signature stay outside the compressed block, so the cookie's length (visible on the wire) cannot
 * leak them the way compress-then-encrypt leaked secrets in CRIME/BREACH.
 *
 * Layout (format 3): 3 | frame(JSON [id, csrfToken, createdAt, lastSeenAt, accessTokenExpiresAt,
 * refreshToken, kept, accessTokenLifetimeMs]) | frame(deflated: frame(claims JSON) frame(JWT header)
 * frame(JWT payload)) | frame(token: 1 + a JWT's signature bytes, or 0 + a token that is not a JWT as
 * text). A frame is a uint32 BE length and its bytes. The last field stands for `accessTokenIssuedAt`
 * (as expiry minus issue time: fewer digits; `null` when unknown). This is the only format read:
 * anything else decodes to `undefined`, which the guard answers with `session_invalid`.
 */
const FORMAT = 3;
const TOKEN_TEXT = 0;
const TOKEN_JWT = 1; // followed by the signature only: header and payload are in the deflated block

/**
 * Text the deflated block is likely to repeat: Wristband's access token header and claim names
 * (WRISTBAND-API.md). Part of format 3: changing it needs a new format number.
 */
const DICTIONARY = Buffer.from(
  [
    '{"alg":"RS256","typ":"at+JWT","kid":"',
    '{"jti":"","iss":"https://","sub":"","sub_kind":"user","client_id":"","tnt_id":"","app_id":"","idp_name":"wristband",',
    '"van_dom":"","scope":"openid offline_access email profile roles phone","amr":["pwd"],"auth_time":,"iat":,"exp":,',
    '"custom_claims":{"tnt_name":"","app_name":"","name":"","given_name":"","family_name":"","middle_name":"","nickname":"",',
    '"preferred_username":"","picture":"https://","gender":"","birthdate":"","zoneinfo":"America/","locale":"en-US","updated_at":',
    '"phone_number":"+","phone_number_verified":false,"email":"","email_verified":true,"roles":[{"id":"","name":"app:","display_name":"',
  ].join(''),
);
/** Far above any session that fits in a cookie; the block is authenticated before it is inflated. */
const MAX_INFLATED_BYTES = 64 * 1024;

type Claims = Record<string, unknown>;
type DerivedField =
  'userId' | 'tenantId' | 'tenantName' | 'identityProviderName' | 'email' | 'roles';

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
  kept: Kept,
  accessTokenLifetimeMs: number | null,
];

export function encodeSessionCookie(session: WristbandSession): Buffer {
  const claims = session.claims;
  const kept: Kept = {};
  for (const field of DERIVED_FIELDS) {
    const value = session[field];
    // `null` stands for "no value" where the claim has one (JSON has no undefined).
    if (!sameValue(value, DERIVED[field](claims))) kept[field] = value ?? null;
  }
  if (session.tenantCustomDomain !== undefined)
    kept.tenantCustomDomain = session.tenantCustomDomain;
  const fields: Fields = [
    session.id,
    session.csrfToken,
    session.createdAt,
    session.lastSeenAt,
    session.accessTokenExpiresAt,
    session.refreshToken ?? null,
    kept,
    session.accessTokenIssuedAt === undefined
      ? null
      : session.accessTokenExpiresAt - session.accessTokenIssuedAt,
  ];
  const jwt = jwtBytes(session.accessToken);
  const packed = deflateRawSync(
    frames([
      Buffer.from(JSON.stringify(claims), 'utf8'),
      jwt?.header ?? Buffer.alloc(0),
      jwt?.payload ?? Buffer.alloc(0),
    ]),
    { dictionary: DICTIONARY },
  );
  const token = jwt
    ? Buffer.concat([Buffer.of(TOKEN_JWT), jwt.signature])
    : Buffer.concat([Buffer.of(TOKEN_TEXT), Buffer.from(session.accessToken, 'utf8')]);
  return Buffer.concat([
    Buffer.of(FORMAT),
    frames([Buffer.from(JSON.stringify(fields), 'utf8'), packed, token]),
  ]);
}

/** The session, or `undefined` for bytes this codec did not write (callers check the shape). */
export function decodeSessionCookie(plain: Buffer): WristbandSession | undefined {
  try {
    if (plain[0] !== FORMAT) return undefined;
    const outer = readFrames(plain, 1, 3);
    if (!outer || outer.end !== plain.length) return undefined;
    const [fieldsJson, packed, token] = outer.parts;
    const inner = inflateRawSync(packed, {
      dictionary: DICTIONARY,
      maxOutputLength: MAX_INFLATED_BYTES,
    });
    const block = readFrames(inner, 0, 3);
    if (!block || block.end !== inner.length) return undefined;
    const [claimsJson, header, payload] = block.parts;
    let accessToken: string;
    if (token[0] === TOKEN_JWT) {
      accessToken = [header, payload, token.subarray(1)]
        .map((b) => b.toString('base64url'))
        .join('.');
    } else if (token[0] === TOKEN_TEXT && header.length === 0 && payload.length === 0) {
      accessToken = token.toString('utf8', 1);
    } else {
      return undefined;
    }
    const fields = JSON.parse(fieldsJson.toString('utf8')) as Fields;
    if (!Array.isArray(fields) || fields.length !== 8) return undefined;
    return restore(fields, JSON.parse(claimsJson.toString('utf8')) as Claims, accessToken);
  } catch {
    return undefined;
  }
}

function restore(
  [
    id,
    csrfToken,
    createdAt,
    lastSeenAt,
    accessTokenExpiresAt,
    refreshToken,
    kept,
    accessTokenLifetimeMs,
  ]: Fields,
  claims: Claims,
  accessToken: string,
): WristbandSession | undefined {
  if (typeof claims !== 'object' || claims === null || typeof kept !== 'object' || kept === null)
    return undefined;
  const lifetimeKnown = typeof accessTokenLifetimeMs === 'number';
  const restored = (field: DerivedField): unknown =>
    field in kept ? (kept[field] ?? undefined) : DERIVED[field](claims);
  return {
    id,
    userId: restored('userId') as string,
    tenantId: restored('tenantId') as string,
    tenantName: restored('tenantName') as string,
    ...(kept.tenantCustomDomain !== undefined && {
      tenantCustomDomain: kept.tenantCustomDomain as string,
    }),
    identityProviderName: restored('identityProviderName') as string,
    email: restored('email') as string | undefined,
    roles: restored('roles') as string[],
    claims,
    accessToken,
    accessTokenExpiresAt,
    ...(lifetimeKnown && { accessTokenIssuedAt: accessTokenExpiresAt - accessTokenLifetimeMs }),
    refreshToken: refreshToken ?? undefined,
    csrfToken,
    createdAt,
    lastSeenAt,
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** A JWT's three parts as bytes, when decoding them is exact (a non-canonical part would come back as other text). */
function jwtBytes(
  token: string,
): { header: Buffer; payload: Buffer; signature: Buffer } | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts.map((p) => Buffer.from(p, 'base64url'));
  const exact = [header, payload, signature].every((b, i) => b.toString('base64url') === parts[i]);
  return exact ? { header, payload, signature } : undefined;
}

function frames(parts: Buffer[]): Buffer {
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.writeUInt32BE(part.length, at);
    part.copy(out, at + 4);
    at += 4 + part.length;
  }
  return out;
}

function readFrames(
  buf: Buffer,
  at: number,
  count: number,
): { parts: Buffer[]; end: number } | undefined {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 4 > buf.length) return undefined;
    const end = at + 4 + buf.readUInt32BE(at);
    if (end > buf.length) return undefined;
    parts.push(buf.subarray(at + 4, end));
    at = end;
  }
  return { parts, end: at };
}
