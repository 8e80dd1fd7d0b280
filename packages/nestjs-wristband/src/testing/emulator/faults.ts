/** Call counting and fault injection: what a test uses to watch and break the emulator's endpoints. */
import type * as http from 'node:http';
import { send } from './http.js';
import { WristbandEmulatorError } from './emulator.error.js';

export type CountedEndpoint = 'token' | 'userinfo' | 'revoke' | 'jwks' | 'authorize' | 'logout';
export type FaultEndpoint = 'token' | 'userinfo' | 'revoke' | 'jwks';
export type GrantType = 'authorization_code' | 'refresh_token';

export interface Fault {
  endpoint: FaultEndpoint;
  /** Token endpoint only: match this grant_type. */
  grantType?: string;
  /** Respond with this status (after `delayMs`). Without `status` (and without `hang`), the request
   *  is only delayed and then served normally. */
  status?: number;
  /** Response body: object → JSON, string → as is. Default for a status: a Wristband-like JSON error. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Never answer: the request stays open until the client gives up or the emulator is closed. */
  hang?: boolean;
  /** How many matching requests this fault applies to (default 1; Infinity allowed). */
  times?: number;
}

export class CallCounter {
  private counts = new Map<string, number>();

  /** Counts one call of `endpoint`, and of `endpoint` with `grantType` when given. */
  count(endpoint: CountedEndpoint, grantType?: string): void {
    this.bump(endpoint);
    if (grantType) this.bump(`${endpoint}:${grantType}`);
  }

  calls(endpoint: CountedEndpoint, grantType?: GrantType): number {
    return this.counts.get(grantType ? `${endpoint}:${grantType}` : endpoint) ?? 0;
  }

  reset(): void {
    this.counts = new Map();
  }

  private bump(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

export class FaultInjector {
  private faults: Array<Fault & { remaining: number }> = [];
  /** Delays in progress: released at once on close. */
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  /** Requests held by a `hang` fault: destroyed on close. */
  private readonly hung = new Set<http.ServerResponse>();
  private closed = false;

  inject(f: Fault): void {
    const times = f.times ?? 1;
    if (!(times > 0))
      throw new WristbandEmulatorError('invalid_option', 'emulator: fault times must be > 0');
    this.faults.push({ ...f, remaining: times });
  }

  clear(): void {
    this.faults = [];
  }

  /**
   * Applies the next fault matching the request, if any. True when the fault answered the request (or
   * holds it forever); false when the request must be served normally (no fault, or a delay only).
   */
  async apply(
    res: http.ServerResponse,
    endpoint: FaultEndpoint,
    grantType: string | undefined,
  ): Promise<boolean> {
    const fault = this.take(endpoint, grantType);
    if (!fault) return false;
    if (fault.hang) {
      this.hung.add(res);
      res.on('close', () => this.hung.delete(res));
      return true;
    }
    if (fault.delayMs) await this.sleep(fault.delayMs);
    if (this.closed) {
      res.destroy();
      return true;
    }
    if (fault.status === undefined) return false;
    const error = fault.status >= 500 ? 'server_error' : 'invalid_request';
    send(
      res,
      fault.status,
      fault.body !== undefined
        ? fault.body
        : { error, error_description: 'emulator injected fault' },
      fault.headers ?? {},
    );
    return true;
  }

  /** Drops every fault, ends every delay and every held request. */
  close(): void {
    this.closed = true;
    this.faults = [];
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
    for (const res of this.hung) res.destroy();
    this.hung.clear();
  }

  private take(endpoint: string, grantType?: string): Fault | undefined {
    const i = this.faults.findIndex(
      (f) => f.endpoint === endpoint && (f.grantType === undefined || f.grantType === grantType),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    f.remaining -= 1;
    if (f.remaining <= 0) this.faults.splice(i, 1);
    return f;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.timers.add(entry);
    });
  }
}
