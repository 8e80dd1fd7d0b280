/**
 * Seed data of the local Wristband emulator.
 *
 * Ids look like Wristband ids (26 lowercase base32 characters) and are deliberately distinct from
 * names, so code that confuses `tnt_id` with `tnt_name` (or a user id with an email) fails in tests.
 */

export interface SeedRole {
  id: string;
  name: string; // e.g. app:invotastic:admin
  display_name: string;
}

export interface SeedApplication {
  id: string; // app_id
  name: string; // app_name
  displayName: string;
}

export interface SeedTenant {
  id: string; // tnt_id
  name: string; // tnt_name, a DNS label (the first label of the tenant host)
  displayName: string;
}

export interface SeedUser {
  id: string; // sub
  email: string;
  emailVerified: boolean;
  password: string;
  tenant: string; // tenant name
  givenName: string;
  familyName: string;
  name: string;
  preferredUsername: string;
  locale: string;
  zoneinfo: string;
  updatedAt: number; // epoch seconds
  phoneNumber?: string;
  roles: SeedRole[];
  customClaims?: Record<string, unknown>;
}

export interface EmulatorClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** The application's Login URL (tenant discovery and logout fall back to it). */
  loginUrl?: string;
}

export const SEED_PASSWORD = 'Passw0rd!';
export const IDP_NAME = 'wristband';

export const APPLICATION: SeedApplication = {
  id: 'or3az7yp5f4iixui3p2qol27nf',
  name: 'invotastic',
  displayName: 'Invotastic',
};

export const ROLES = {
  admin: { id: 'zug4kr5iviiwubqjtr3yxwtuvk', name: 'app:invotastic:admin', display_name: 'Admin' },
  billing: {
    id: '63xbs5a77jxfoc6ksfsuh524lb',
    name: 'app:invotastic:billing',
    display_name: 'Billing',
  },
  viewer: {
    id: 'h54vizlc4zv72hkrg43f5c7omc',
    name: 'app:invotastic:viewer',
    display_name: 'Viewer',
  },
} as const satisfies Record<string, SeedRole>;

export const TENANTS: SeedTenant[] = [
  { id: 'eiyrd4risyktag5dfjmtq6pal3', name: 'acme', displayName: 'Acme Corp' },
  { id: 'd5nolp6gn5xuuvobwiqsjl6jio', name: 'globex', displayName: 'Globex Corporation' },
  { id: 'ubberqohhyiq2dv43wwtpt2e7k', name: 'initech', displayName: 'Initech' },
];

const UPDATED_AT = 1735689600; // 2025-01-01T00:00:00Z

export const USERS: SeedUser[] = [
  {
    id: 'hfagr2zgbpeivisf7fnymyqphf',
    email: 'alice@acme.test',
    emailVerified: true,
    password: SEED_PASSWORD,
    tenant: 'acme',
    givenName: 'Alice',
    familyName: 'Anderson',
    name: 'Alice Anderson',
    preferredUsername: 'alice',
    locale: 'en-US',
    zoneinfo: 'America/New_York',
    updatedAt: UPDATED_AT,
    phoneNumber: '+15555550101',
    roles: [{ ...ROLES.admin }, { ...ROLES.billing }],
    customClaims: { plan: 'enterprise', seats: 25 },
  },
  {
    id: 'vymqgigfpljmespwz6n3o5sbit',
    email: 'bob@acme.test',
    emailVerified: true,
    password: SEED_PASSWORD,
    tenant: 'acme',
    givenName: 'Bob',
    familyName: 'Brown',
    name: 'Bob Brown',
    preferredUsername: 'bob',
    locale: 'en-US',
    zoneinfo: 'America/Chicago',
    updatedAt: UPDATED_AT,
    roles: [{ ...ROLES.viewer }],
  },
  {
    id: 'wykkbcokhcgqn6l3z7hjywe3zp',
    email: 'carol@globex.test',
    emailVerified: true,
    password: SEED_PASSWORD,
    tenant: 'globex',
    givenName: 'Carol',
    familyName: 'Clark',
    name: 'Carol Clark',
    preferredUsername: 'carol',
    locale: 'en-GB',
    zoneinfo: 'Europe/London',
    updatedAt: UPDATED_AT,
    roles: [{ ...ROLES.admin }],
  },
  {
    id: 'h5zwz2sxldkr6y7a5pog3bfhdu',
    email: 'dave@initech.test',
    emailVerified: false,
    password: SEED_PASSWORD,
    tenant: 'initech',
    givenName: 'Dave',
    familyName: 'Davis',
    name: 'Dave Davis',
    preferredUsername: 'dave',
    locale: 'en-US',
    zoneinfo: 'America/Los_Angeles',
    updatedAt: UPDATED_AT,
    roles: [],
  },
];

export const DEFAULT_CLIENT: EmulatorClient = {
  clientId: 'wb-demo-client',
  clientSecret: 'wb-demo-secret-please-change-0123456789',
  redirectUris: ['http://localhost:3001/auth/callback'],
  loginUrl: 'http://localhost:3001/auth/login',
};

/** The seed, as one object (the kit's public export). */
export const SEED = {
  application: APPLICATION,
  tenants: TENANTS,
  users: USERS,
  roles: ROLES,
  password: SEED_PASSWORD,
  idpName: IDP_NAME,
  defaultClient: DEFAULT_CLIENT,
} as const;

// Shared by every emulator of the process: a test that changes its copy must not change the next emulator's.
deepFreeze(SEED);

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}
