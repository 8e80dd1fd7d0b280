/**
 * Tenants and users a test declares in a few words (`{ email, tenant, roles: ['admin'] }`), turned into
 * the emulator's full records, alone or on top of the seed.
 */
import { createHash } from 'node:crypto';
import { SEED, type SeedRole, type SeedTenant, type SeedUser } from './emulator/seed.js';

export interface TestTenant {
  /** The tenant name: a lowercase DNS label, the first label of its domain (`acme` → acme.localhost:PORT). */
  name: string;
  /** Default: the name. */
  displayName?: string;
  /** Default: derived from the name (26 base32 characters, like Wristband's). */
  id?: string;
}

export interface TestUser {
  email: string;
  /** Name of the user's tenant: a seed tenant or one of `tenants`. */
  tenant: string;
  /** Role names. `admin` becomes `app:{application}:admin`, as Wristband names roles; a name with `:` is kept. */
  roles?: string[];
  /** Default: the seed password, `Passw0rd!`. */
  password?: string;
  /** Default: derived from the email. */
  id?: string;
  /** Default: the email's local part, capitalized. */
  givenName?: string;
  familyName?: string;
  /** Default true. */
  emailVerified?: boolean;
  /** Wristband's `custom_claims` of the user. */
  customClaims?: Record<string, unknown>;
}

export interface TestDirectoryOptions {
  tenants?: TestTenant[];
  users?: TestUser[];
  /**
   * `extend` (default): the seed's tenants and users plus these (a user with a seed user's email, or a
   * tenant with a seed tenant's name, replaces it). `replace`: only these.
   */
  seed?: 'extend' | 'replace';
}

/** The emulator's tenants and users for these options. */
export function testDirectory(o: TestDirectoryOptions): {
  tenants: SeedTenant[];
  users: SeedUser[];
} {
  const extend = (o.seed ?? 'extend') === 'extend';
  const tenants = new Map<string, SeedTenant>();
  for (const t of extend ? SEED.tenants : []) tenants.set(t.name, t);
  for (const t of o.tenants ?? []) {
    const name = t.name.toLowerCase();
    tenants.set(name, {
      id: t.id ?? wristbandId(`tenant:${name}`),
      name,
      displayName: t.displayName ?? t.name,
    });
  }
  const users = new Map<string, SeedUser>();
  for (const u of extend ? SEED.users : []) users.set(u.email, u);
  for (const u of o.users ?? []) {
    const email = u.email.toLowerCase();
    users.set(email, testUser({ ...u, email }));
  }
  return { tenants: [...tenants.values()], users: [...users.values()] };
}

function testUser(u: TestUser): SeedUser {
  const local = u.email.split('@')[0] ?? u.email;
  const givenName = u.givenName ?? local.charAt(0).toUpperCase() + local.slice(1);
  const familyName = u.familyName ?? '';
  return {
    id: u.id ?? wristbandId(`user:${u.email}`),
    email: u.email,
    emailVerified: u.emailVerified ?? true,
    password: u.password ?? SEED.password,
    tenant: u.tenant.toLowerCase(),
    givenName,
    familyName,
    name: [givenName, familyName].filter(Boolean).join(' '),
    preferredUsername: local,
    locale: 'en-US',
    zoneinfo: 'UTC',
    updatedAt: 1735689600, // 2025-01-01T00:00:00Z, as the seed
    roles: (u.roles ?? []).map(role),
    ...(u.customClaims ? { customClaims: { ...u.customClaims } } : {}),
  };
}

function role(name: string): SeedRole {
  const full = name.includes(':') ? name : `app:${SEED.application.name}:${name}`;
  const known = Object.values(SEED.roles).find((r) => r.name === full);
  if (known) return { ...known };
  const last = full.slice(full.lastIndexOf(':') + 1);
  return {
    id: wristbandId(`role:${full}`),
    name: full,
    display_name: last.charAt(0).toUpperCase() + last.slice(1),
  };
}

/** 26 lowercase base32 characters from a hash of `key`: stable across runs, distinct from any name. */
function wristbandId(key: string): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bytes = createHash('sha256').update(key).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
