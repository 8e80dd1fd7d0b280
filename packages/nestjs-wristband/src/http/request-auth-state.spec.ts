import { inspect } from 'node:util';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { WristbandUser } from '../interfaces/wristband-user.interface.js';
import {
  defineRequestUserAccessor,
  getAuthState,
  requestUser,
  setAuthState,
} from './request-auth-state.js';

const user = (userId: string) => ({ userId }) as WristbandUser;
const session = { id: 's1' } as WristbandSession;

describe('request.user accessor', () => {
  it('reads the recorded user on every request built from the prototype, and nothing on others', () => {
    const proto = {};
    expect(defineRequestUserAccessor(proto)).toBe(true);
    const a = Object.create(proto) as { user?: WristbandUser };
    const b = Object.create(proto) as { user?: WristbandUser };
    setAuthState(a, user('alice'), session);
    expect(a.user?.userId).toBe('alice');
    expect(b.user).toBeUndefined();
    expect(Object.keys(a)).toEqual([]);
  });

  it('keeps the session when the same user is assigned again, drops it for another user', () => {
    const proto = {};
    defineRequestUserAccessor(proto);
    const req = Object.create(proto) as { user?: WristbandUser };
    const alice = user('alice');
    setAuthState(req, alice, session);
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

describe('request auth state on an Express response', () => {
  /** An Express request/response pair: Express links them and gives the response a null-prototype `locals`. */
  const exchange = () => {
    const res = { locals: Object.create(null) as Record<string, unknown> };
    const req = { res };
    return { req, res };
  };
  const secretSession = {
    id: 's1',
    accessToken: 'eyJ.access.token',
    refreshToken: 'refresh-secret',
  } as WristbandSession;

  it('keeps the state with the response, readable through the request, gone with a new exchange', () => {
    const { req, res } = exchange();
    setAuthState(req, user('alice'), secretSession, res);
    expect(getAuthState(req)?.user.userId).toBe('alice');
    expect(getAuthState(req)?.session).toBe(secretSession);
    expect(getAuthState(exchange().req)).toBeUndefined();
    setAuthState(req, undefined);
    expect(getAuthState(req)).toBeUndefined();
  });

  it('never shows the session to code that logs, copies or renders res.locals', () => {
    const { req, res } = exchange();
    res.locals.title = 'Projects';
    setAuthState(req, user('alice'), secretSession, res);
    const views = [
      inspect(res.locals, { depth: null, showHidden: true }),
      inspect({ ...res.locals }, { depth: null, showHidden: true }),
      JSON.stringify(Object.assign({}, res.locals)),
    ];
    for (const view of views) {
      expect(view).not.toMatch(/refresh-secret|eyJ|accessToken|refreshToken/);
    }
    expect(Object.keys(res.locals)).toEqual(['title']);
  });

  it('gives @CurrentUser() what the guard or a req.user assignment recorded, and a user set any other way', () => {
    const proto = {};
    defineRequestUserAccessor(proto);
    const contextOf = (req: object, res: object) => ({
      getType: <T extends string>() => 'http' as T,
      getArgByIndex: <T>(i: number) => [req, res][i] as T,
    });
    const express = () => {
      const res = { locals: Object.create(null) as object };
      const req = Object.assign(Object.create(proto) as { user?: WristbandUser; res: object }, {
        res,
      });
      return { req, res, context: contextOf(req, res) };
    };
    const guarded = express();
    setAuthState(guarded.req, user('alice'), undefined, guarded.res);
    expect(requestUser(guarded.context)?.userId).toBe('alice');
    const assigned = express();
    assigned.req.user = user('bob');
    expect(requestUser(assigned.context)?.userId).toBe('bob');
    expect(requestUser(express().context)).toBeUndefined();
    // A request whose prototype does not carry the accessor keeps its own `user` property.
    const foreign = { user: user('carol'), res: { locals: Object.create(null) as object } };
    expect(requestUser(contextOf(foreign, foreign.res))?.userId).toBe('carol');
  });

  it('falls back to a per-request record when the response has no locals (other adapters)', () => {
    const req = {};
    setAuthState(req, user('bob'));
    expect(getAuthState(req)?.user.userId).toBe('bob');
    setAuthState(req, undefined);
    expect(getAuthState(req)).toBeUndefined();
  });
});
