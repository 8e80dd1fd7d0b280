import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { testSession } from '../../test/session-fixture.js';
import { SessionStoreUnavailableError } from '../errors/wristband.errors.js';
import type { WristbandSession } from '../interfaces/wristband-session.interface.js';
import type { RefreshCoordinator } from '../tokens/refresh-coordinator.interface.js';
import { AppSessionStore } from './app-session.store.js';
import type { SessionStore } from './session-store.interface.js';

/** An app store whose every method does what `behaviour` says. */
function appStore(behaviour: Partial<SessionStore> & Record<string, unknown> = {}): SessionStore {
  return {
    read: () => Promise.resolve(undefined),
    write: () => Promise.resolve('handle-1'),
    destroy: () => Promise.resolve(),
    ...behaviour,
  };
}

describe('AppSessionStore (the app store as the module uses it)', () => {
  beforeEach(() => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('passes sessions and cookie values through', async () => {
    const session = testSession();
    const store = new AppSessionStore(
      appStore({ read: () => Promise.resolve(session), write: () => Promise.resolve('h.1-_~') }),
    );
    expect(await store.read('h.1-_~')).toBe(session);
    expect(await store.write(session, 60)).toBe('h.1-_~');
  });

  it('turns any failure into SessionStoreUnavailableError (503) whose message names no more than the error class', async () => {
    const failure = new Error('connect ECONNREFUSED db.internal:5432 (user app, password hunter2)');
    const store = new AppSessionStore(
      appStore({
        read: () => Promise.reject(failure),
        write: () => {
          throw new TypeError('cannot serialize');
        },
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- a store rejecting with a non-Error
        destroy: () => Promise.reject('a string'),
      }),
    );
    const errors = await Promise.all([
      store.read('x').catch((e: unknown) => e),
      store.write(testSession(), 60).catch((e: unknown) => e),
      store.destroy(testSession()).catch((e: unknown) => e),
    ]);
    expect(
      errors.map((e) => [
        e instanceof SessionStoreUnavailableError,
        (e as SessionStoreUnavailableError).code,
        (e as Error).message,
      ]),
    ).toEqual([
      [true, 'session_store_unavailable', 'Session store unavailable (Error)'],
      [true, 'session_store_unavailable', 'Session store unavailable (TypeError)'],
      [true, 'session_store_unavailable', 'Session store unavailable (string)'],
    ]);
    expect((errors[0] as Error).cause).toBe(failure);
  });

  it("keeps the store's own SessionStoreUnavailableError as it is", async () => {
    const own = new SessionStoreUnavailableError(
      'Session store (Postgres) unavailable: pool exhausted',
    );
    const store = new AppSessionStore(appStore({ read: () => Promise.reject(own) }));
    await expect(store.read('x')).rejects.toBe(own);
  });

  it('reads something that is no session as no session (401), never a crash later', async () => {
    const store = new AppSessionStore(
      appStore({ read: () => Promise.resolve({ id: 'x' } as unknown as WristbandSession) }),
    );
    expect(await store.read('x')).toBeUndefined();
  });

  it.each([[''], ['has space'], ['semi;colon'], ['quo"te'], [42]])(
    'refuses %j as a cookie value',
    async (value) => {
      const store = new AppSessionStore(
        appStore({ write: () => Promise.resolve(value as string) }),
      );
      await expect(store.write(testSession(), 60)).rejects.toThrow(SessionStoreUnavailableError);
    },
  );

  it('offers readSync, destroyById, destroyAllForUser and refreshCoordinator exactly when the store does', async () => {
    const plain = new AppSessionStore(appStore());
    expect([
      plain.readSync,
      plain.destroyById,
      plain.destroyAllForUser,
      plain.refreshCoordinator,
    ]).toEqual([undefined, undefined, undefined, undefined]);

    const session = testSession();
    const coordinator: RefreshCoordinator = { coordinate: (s, refresh) => refresh(s) };
    const full = new AppSessionStore(
      appStore({
        readSync: (value: string) =>
          value === 'ok' ? session : value === 'bad' ? ({} as WristbandSession) : undefined,
        destroyById: () => Promise.resolve(true),
        destroyAllForUser: () => Promise.reject(new Error('down')),
        refreshCoordinator: coordinator,
      }),
    );
    expect([full.readSync!('ok'), full.readSync!('bad'), full.readSync!('none')]).toEqual([
      session,
      undefined,
      undefined,
    ]);
    expect(await full.destroyById!('id')).toBe(true);
    await expect(full.destroyAllForUser!('t', 'u')).rejects.toThrow(SessionStoreUnavailableError);
    expect(full.refreshCoordinator).toBe(coordinator);
  });

  it('a throwing readSync leaves the request to read()', () => {
    const store = new AppSessionStore(
      appStore({
        readSync: () => {
          throw new Error('cache broken');
        },
      }),
    );
    expect(store.readSync!('x')).toBeUndefined();
  });

  it("shows Nest none of the store's lifecycle hooks (they belong to whoever provides the store)", () => {
    const hooks = {
      onModuleInit: () => undefined,
      onModuleDestroy: () => undefined,
      onApplicationShutdown: () => undefined,
    };
    const store = new AppSessionStore(appStore(hooks));
    expect(Object.keys(hooks).filter((hook) => hook in store)).toEqual([]);
  });
});
