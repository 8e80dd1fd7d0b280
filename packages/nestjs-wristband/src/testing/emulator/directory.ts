/**
 * Who exists at one emulator: its application, tenants and users (the seed by default). Lookups that
 * must find something throw a `WristbandEmulatorError`, so a typo in a test names itself.
 */
import { WristbandEmulatorError } from './emulator.error.js';
import {
  APPLICATION,
  TENANTS,
  USERS,
  type SeedApplication,
  type SeedTenant,
  type SeedUser,
} from './seed.js';

export const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export class Directory {
  readonly tenants: readonly SeedTenant[];
  readonly users: readonly SeedUser[];

  constructor(
    readonly application: SeedApplication = APPLICATION,
    tenants: readonly SeedTenant[] = TENANTS,
    users: readonly SeedUser[] = USERS,
  ) {
    this.tenants = tenants.map((t) => ({ ...t }));
    this.users = users.map((u) => ({
      ...u,
      email: u.email.toLowerCase(),
      roles: u.roles.map((r) => ({ ...r })),
    }));
    this.check();
  }

  findTenant(name: string): SeedTenant | undefined {
    const needle = name.toLowerCase();
    return this.tenants.find((t) => t.name === needle);
  }

  /** Finds a user by id (sub) or email (case-insensitive). */
  findUser(idOrEmail: string): SeedUser | undefined {
    const needle = idOrEmail.toLowerCase();
    return this.users.find((u) => u.id === idOrEmail || u.email === needle);
  }

  user(idOrEmail: string): SeedUser {
    const u = this.findUser(idOrEmail);
    if (!u) throw new WristbandEmulatorError('not_found', `emulator: no seed user ${idOrEmail}`);
    return u;
  }

  tenant(name: string): SeedTenant {
    const t = this.findTenant(name);
    if (!t) throw new WristbandEmulatorError('not_found', `emulator: no seed tenant ${name}`);
    return t;
  }

  /** Tenant names are DNS labels; ids, names and emails are unique; every user's tenant exists. */
  private check(): void {
    const problems: string[] = [];
    const seen = new Set<string>();
    const unique = (kind: string, value: string) => {
      if (seen.has(`${kind}:${value}`)) problems.push(`duplicate ${kind} ${value}`);
      seen.add(`${kind}:${value}`);
    };
    for (const t of this.tenants) {
      if (!DNS_LABEL.test(t.name))
        problems.push(`tenant name "${t.name}" is not a lowercase DNS label`);
      unique('tenant name', t.name);
      unique('tenant id', t.id);
    }
    for (const u of this.users) {
      unique('user email', u.email);
      unique('user id', u.id);
      if (!this.findTenant(u.tenant))
        problems.push(`user ${u.email} belongs to unknown tenant "${u.tenant}"`);
    }
    if (this.tenants.length === 0) problems.push('at least one tenant is needed');
    if (problems.length)
      throw new WristbandEmulatorError('invalid_option', `emulator: ${problems.join('; ')}`);
  }
}
