import { randomBytes } from 'node:crypto';
import type { SessionStore, WristbandSession } from 'nestjs-wristband';

interface Row {
  /** The session as a database would hold it: JSON text. */
  data: string;
  expiresAt: number;
}

/**
 * A `SessionStore` as a team would write one on its own database, over a Map: the third store the e2e
 * suite runs the session cases over (with the sealed cookie and Redis). It follows the contract of
 * `SessionStore`: the cookie value is a random handle (never the session id), sessions round-trip as
 * JSON and expire after their TTL, stored tokens never go backwards, and a destroyed session is not
 * brought back by a late write.
 */
export class MapSessionStore implements SessionStore {
  private readonly rows = new Map<string, Row>();
  private readonly handles = new Map<string, string>();
  private readonly ended = new Set<string>();

  async read(cookieValue: string): Promise<WristbandSession | undefined> {
    const row = this.rows.get(cookieValue);
    if (!row || row.expiresAt <= Date.now()) return undefined;
    return JSON.parse(row.data) as WristbandSession;
  }

  async write(session: WristbandSession, ttlSeconds: number): Promise<string> {
    const handle = this.handles.get(session.id) ?? randomBytes(32).toString('base64url');
    if (this.ended.has(session.id)) return handle;
    const stored = this.rows.get(handle);
    const current = stored && (JSON.parse(stored.data) as WristbandSession);
    const kept =
      current && current.accessTokenExpiresAt > session.accessTokenExpiresAt
        ? {
            ...session,
            accessToken: current.accessToken,
            accessTokenExpiresAt: current.accessTokenExpiresAt,
            accessTokenIssuedAt: current.accessTokenIssuedAt,
            refreshToken: current.refreshToken,
          }
        : session;
    this.rows.set(handle, {
      data: JSON.stringify(kept),
      expiresAt: Date.now() + ttlSeconds * 1000,
    });
    this.handles.set(session.id, handle);
    return handle;
  }

  async destroy(session: WristbandSession): Promise<void> {
    await this.destroyById(session.id);
  }

  async destroyById(id: string): Promise<boolean> {
    this.ended.add(id);
    const handle = this.handles.get(id);
    this.handles.delete(id);
    return handle !== undefined && this.rows.delete(handle);
  }

  async destroyAllForUser(tenantId: string, userId: string): Promise<number> {
    let ended = 0;
    for (const row of [...this.rows.values()]) {
      const session = JSON.parse(row.data) as WristbandSession;
      if (
        session.tenantId === tenantId &&
        session.userId === userId &&
        (await this.destroyById(session.id))
      )
        ended++;
    }
    return ended;
  }

  /** Whether a live session has this cookie value (tests look inside the store). */
  holds(cookieValue: string | undefined): boolean {
    return cookieValue !== undefined && this.rows.has(cookieValue);
  }

  /** How many sessions the store holds. */
  get size(): number {
    return this.rows.size;
  }
}
