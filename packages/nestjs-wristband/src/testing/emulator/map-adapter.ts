/**
 * A plain Map storage adapter for oidc-provider (the bundled memory adapter is a 1000-entry LRU:
 * grants and refresh tokens disappear under load). One `MapStore` is shared by every Provider
 * instance the emulator builds (key rotation rebuilds the Provider over the same storage).
 * Expiry is checked lazily on read; there are no timers, so nothing keeps the process alive.
 */

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

interface Entry {
  payload: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- oidc-provider's untyped models
  expiresAt?: number; // epoch ms
}

export class MapStore {
  readonly entries = new Map<string, Entry>();
  readonly grantMembers = new Map<string, Set<string>>(); // grantId -> entry keys
  readonly sessionUids = new Map<string, string>(); // uid -> session id
  readonly userCodes = new Map<string, string>(); // userCode -> key

  key(model: string, id: string): string {
    return `${model}:${id}`;
  }

  get(key: string): Entry['payload'] | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return e.payload;
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const { payload } = e;
    if (payload.uid && this.sessionUids.get(payload.uid) === key)
      this.sessionUids.delete(payload.uid);
    if (payload.userCode && this.userCodes.get(payload.userCode) === key)
      this.userCodes.delete(payload.userCode);
    if (payload.grantId) this.grantMembers.get(payload.grantId)?.delete(key);
  }

  revokeByGrantId(grantId: string): void {
    const members = this.grantMembers.get(grantId);
    if (members) for (const key of [...members]) this.delete(key);
    this.grantMembers.delete(grantId);
  }

  /** All live payloads of a model. */
  list(model: string): Array<{ id: string; payload: Entry['payload'] }> {
    const out: Array<{ id: string; payload: Entry['payload'] }> = [];
    const prefix = `${model}:`;
    for (const key of [...this.entries.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const payload = this.get(key);
      if (payload) out.push({ id: key.slice(prefix.length), payload });
    }
    return out;
  }

  clear(): void {
    this.entries.clear();
    this.grantMembers.clear();
    this.sessionUids.clear();
    this.userCodes.clear();
  }
}

/** Returns an oidc-provider adapter class bound to `store`. */
export function mapAdapter(store: MapStore) {
  return class MapAdapter {
    readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: Record<string, unknown>, expiresIn?: number): Promise<void> {
      const key = store.key(this.model, id);
      store.delete(key);
      store.entries.set(key, {
        payload: { ...payload },
        expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
      });
      if (this.model === 'Session' && typeof payload.uid === 'string')
        store.sessionUids.set(payload.uid, key);
      if (typeof payload.userCode === 'string') store.userCodes.set(payload.userCode, key);
      if (GRANTABLE.has(this.model) && typeof payload.grantId === 'string') {
        let members = store.grantMembers.get(payload.grantId);
        if (!members) {
          members = new Set();
          store.grantMembers.set(payload.grantId, members);
        }
        members.add(key);
      }
    }

    async find(id: string) {
      const p = store.get(store.key(this.model, id));
      return p ? { ...p } : undefined;
    }

    async findByUid(uid: string) {
      const key = store.sessionUids.get(uid);
      if (!key) return undefined;
      const p = store.get(key);
      return p ? { ...p } : undefined;
    }

    async findByUserCode(userCode: string) {
      const key = store.userCodes.get(userCode);
      if (!key) return undefined;
      const p = store.get(key);
      return p ? { ...p } : undefined;
    }

    async consume(id: string): Promise<void> {
      const p = store.get(store.key(this.model, id));
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      store.delete(store.key(this.model, id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      store.revokeByGrantId(grantId);
    }
  };
}
