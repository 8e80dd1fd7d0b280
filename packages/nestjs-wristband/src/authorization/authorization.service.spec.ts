import { hasRoles } from './authorization.service.js';

describe('hasRoles', () => {
  const roles = ['app:invotastic:admin', 'app:invotastic:billing'];

  it('matches by full name or by last segment', () => {
    expect(hasRoles(roles, { roles: ['admin'], mode: 'any' })).toBe(true);
    expect(hasRoles(roles, { roles: ['app:invotastic:billing'], mode: 'any' })).toBe(true);
    expect(hasRoles(roles, { roles: ['invotastic:admin'], mode: 'any' })).toBe(false);
    expect(hasRoles(roles, { roles: ['Admin'], mode: 'any' })).toBe(false);
  });

  it('any vs all', () => {
    expect(hasRoles(roles, { roles: ['viewer', 'admin'], mode: 'any' })).toBe(true);
    expect(hasRoles(roles, { roles: ['viewer', 'admin'], mode: 'all' })).toBe(false);
    expect(hasRoles(roles, { roles: ['billing', 'admin'], mode: 'all' })).toBe(true);
  });

  it('no roles claim means no roles', () => {
    expect(hasRoles([], { roles: ['admin'], mode: 'any' })).toBe(false);
  });
});
