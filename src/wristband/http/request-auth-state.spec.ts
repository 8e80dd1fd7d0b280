import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import { defineRequestUserAccessor, getAuthState, setAuthState } from './request-auth-state.js';

const user = (userId: string) => ({ userId }) as WristbandUser;
const session = { id: 's1' } as WristbandSession;

describe('request.user accessor', () => {
  it('reads the recorded user on every request built from the prototype, and nothing on others', () => {
    const proto = {};
    expect(defineRequestUserAccessor(proto)).toBe(true);
    const a = Object.create(proto) as { user?: WristbandUser };
    const b = Object.create(proto) as { user?: WristbandUser };
    setAuthState(a, { user: user('alice'), session });
    expect(a.user?.userId).toBe('alice');
    expect(b.user).toBeUndefined();
    expect(Object.keys(a)).toEqual([]);
  });

  it('keeps the session when the same user is assigned again, drops it for another user', () => {
    const proto = {};
    defineRequestUserAccessor(proto);
    const req = Object.create(proto) as { user?: WristbandUser };
    const alice = user('alice');
    setAuthState(req, { user: alice, session });
    req.user = alice;
    expect(getAuthState(req)?.session).toBe(session);
    req.user = user('mallory');
    expect(getAuthState(req)).toEqual({ user: { userId: 'mallory' } });
    req.user = undefined;
    expect(getAuthState(req)).toBeUndefined();
  });

  it('is idempotent and never replaces a user property someone else defined', () => {
    const proto = {};
    expect(defineRequestUserAccessor(proto)).toBe(true);
    expect(defineRequestUserAccessor(proto)).toBe(true);
    const foreign = { user: 'theirs' };
    expect(defineRequestUserAccessor(foreign)).toBe(false);
    expect(foreign.user).toBe('theirs');
  });
});
