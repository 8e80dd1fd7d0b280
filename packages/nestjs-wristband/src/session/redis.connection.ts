import { Logger } from '@nestjs/common';
import type { Cluster, ClusterNode, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { WristbandConfigurationError } from '../errors/wristband-configuration.error.js';
import type { RedisClusterTarget } from './redis-cluster-nodes.js';

const CLUSTER_SLOTS = 16384;

/** ioredis' classes; loaded only when Redis is configured (ioredis is an optional peer dependency). */
export interface IoredisClasses {
  Redis: new (url: string, options: RedisOptions) => Redis;
  Cluster: new (nodes: ClusterNode[], options: ClusterOptions) => Cluster;
}

/** A client of one Redis or of a Redis Cluster: the same commands on both. */
export type RedisClient = Redis | Cluster;

/** One Redis (its `redis://` or `rediss://` URL) or a Redis Cluster. */
export type RedisTarget = string | RedisClusterTarget;

/** ioredis, or a startup error naming the package when the app has not installed it. */
export async function loadIoredis(
  load: () => Promise<IoredisClasses> = () => import('ioredis'),
): Promise<IoredisClasses> {
  try {
    const { Redis, Cluster } = await load();
    return { Redis, Cluster };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    throw new WristbandConfigurationError([
      'Redis is configured (redisUrl, redis.url or REDIS_URL; redis.clusterNodes or REDIS_CLUSTER_NODES) but the optional peer dependency "ioredis" is not installed: run `npm install ioredis`',
    ]);
  }
}

export interface RedisConnectionOptions {
  /** Longest wait for any one Redis command, in milliseconds. Default 1000. */
  commandTimeoutMs?: number;
  /** Longest wait for a TCP connection (and its ready check), in milliseconds. Default 2000. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnection attempts while Redis is down, in milliseconds. Default 1000. */
  maxReconnectDelayMs?: number;
}

/** The URL with its password (and user name) masked: the only form of it that may be logged. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username) u.username = '***';
    return u.toString();
  } catch {
    return '(unparseable Redis URL)';
  }
}

/**
 * One ioredis client (of one Redis or of a Redis Cluster), tuned to fail fast: no offline queue (a
 * command while Redis is down is rejected at once instead of piling up), a bound on every command, no
 * replay of unanswered commands after a reconnect (a late write must not land after we answered 503),
 * and endless reconnection with a short back-off so service comes back by itself when Redis does.
 */
export class RedisConnection {
  readonly client: RedisClient;
  private readonly logger = new Logger('Wristband');
  private readonly secrets: string[];
  /** What log lines call this Redis: the URL without its password, or the cluster's seed nodes. */
  private readonly label: string;
  private down = false;
  private readonly downNodes = new Set<string>();
  private closed = false;

  constructor(target: RedisTarget, ioredis: IoredisClasses, options: RedisConnectionOptions = {}) {
    const maxDelay = options.maxReconnectDelayMs ?? 1000;
    const retryStrategy = (attempt: number) => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay);
    const common: RedisOptions = {
      commandTimeout: options.commandTimeoutMs ?? 1000,
      connectTimeout: options.connectTimeoutMs ?? 2000,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // Untyped ioredis option: how long a closing socket may linger (default 2 s, which holds test runners open).
      ...{ disconnectTimeout: 200 },
    };
    if (typeof target === 'string') {
      this.secrets = urlSecrets(target);
      this.label = redactRedisUrl(target);
      this.client = new ioredis.Redis(target, {
        ...common,
        lazyConnect: true,
        enableOfflineQueue: false,
        retryStrategy,
      });
    } else {
      this.secrets = target.password && target.password.length >= 3 ? [target.password] : [];
      this.label = `cluster ${target.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
      const cluster = new ioredis.Cluster(target.nodes, {
        lazyConnect: true,
        enableOfflineQueue: false,
        clusterRetryStrategy: retryStrategy,
        // A lost node is reconnected by itself (ioredis would otherwise drop it until a redirect names it).
        clusterNodeRetryStrategy: retryStrategy,
        // A lost node or a cluster that is down answers 503 now; ioredis would otherwise retry for a while.
        retryDelayOnFailover: 0,
        retryDelayOnClusterDown: 0,
        slotsRefreshTimeout: options.connectTimeoutMs ?? 2000,
        redisOptions: {
          ...common,
          ...(target.username ? { username: target.username } : {}),
          ...(target.password ? { password: target.password } : {}),
          ...(target.tls ? { tls: {} } : {}),
        },
      });
      this.watchClusterNodes(cluster);
      this.client = cluster;
    }
    // Without a listener, ioredis would print each connection error with its own formatting.
    this.client.on('error', (err: Error) => {
      if (this.down || this.closed) return; // one line per outage, not one per reconnection attempt
      this.down = true;
      this.logger.warn(`Redis unavailable (${this.label}): ${this.redact(err.message)}`);
    });
    this.client.on('ready', () => {
      if (!this.down) return;
      this.down = false;
      this.logger.log(`Redis available again (${this.label})`);
    });
  }

  /** Whether this is a Redis Cluster client. */
  get isCluster(): boolean {
    return typeof (this.client as Partial<Cluster>).nodes === 'function';
  }

  /** Connects once at startup. Redis down at startup is not fatal: requests answer 503 until it is up. */
  async connect(): Promise<void> {
    if (this.client.status !== 'wait') return;
    await this.client.connect().catch(() => undefined); // reported by the 'error' listener; reconnection continues
    if (this.isCluster) await this.openNodeConnections(this.client as Cluster);
    else await this.checkDatabase(this.client as Redis);
  }

  /**
   * A database index the server does not have (`redis://…/99`): ioredis reports the failed SELECT and goes
   * on in database 0, among other apps' keys. Refused at startup instead.
   */
  private async checkDatabase(client: Redis): Promise<void> {
    const db = client.options.db ?? 0;
    if (db === 0 || client.status !== 'ready') return;
    try {
      await client.select(db);
    } catch (err) {
      if (!/DB index is out of range|invalid DB index/i.test((err as Error).message)) return;
      await this.close();
      throw new WristbandConfigurationError([
        `redis: database ${db} of the Redis URL does not exist on ${this.label} (Redis has 16 by default: 0-15)`,
      ]);
    }
  }

  /**
   * Resolves when Redis answers, rejects (within the command timeout) when it does not: one PING, or
   * on a cluster one PING to the master of every slot, so a single lost node counts as down. For
   * readiness probes.
   */
  async ping(): Promise<void> {
    if (!this.isCluster) {
      await (this.client as Redis).ping();
      return;
    }
    const cluster = this.client as Cluster;
    if (cluster.status !== 'ready') throw new Error(`Redis Cluster not ready (${cluster.status})`);
    const masters = new Map(cluster.nodes('master').map((n) => [nodeKey(n), n]));
    const owners = new Set<string>();
    for (let slot = 0; slot < CLUSTER_SLOTS; slot++) {
      const owner = cluster.slots[slot]?.[0];
      if (!owner) throw new Error(`Redis Cluster: slot ${slot} has no master`);
      owners.add(owner);
    }
    await Promise.all(
      [...owners].map(async (key) => {
        const node = masters.get(key);
        if (!node) throw new Error(`Redis Cluster node ${key} is not connected`);
        await node.ping();
      }),
    );
  }

  /** Closes the connection and stops reconnecting; resolves once the socket is gone (so test runners can exit). */
  async close(): Promise<void> {
    this.closed = true;
    const status = this.client.status;
    if (status === 'end') return;
    // Only a live socket emits 'end'; between reconnection attempts there is none to wait for.
    const live = status === 'connecting' || status === 'connect' || status === 'ready';
    const ended = new Promise<void>((resolve) => {
      this.client.once('end', () => resolve());
      setTimeout(resolve, 2000).unref();
    });
    if (status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
    if (live) await ended;
  }

  /**
   * ioredis opens a node's connection on first use and refuses other commands for that node while it
   * opens: open them all before the first requests (at startup, and whenever the cluster is ready again).
   */
  private async openNodeConnections(cluster: Cluster): Promise<void> {
    await Promise.all(cluster.nodes('all').map((node) => node.ping().catch(() => undefined)));
  }

  /** One warning per lost node, and one line when it is back. */
  private watchClusterNodes(cluster: Cluster): void {
    cluster.on('ready', () => {
      this.downNodes.clear(); // "Redis available again" says it for all of them
      void this.openNodeConnections(cluster);
    });
    cluster.on('node error', (err: Error, key: string) => {
      if (this.closed || this.downNodes.has(key)) return;
      this.downNodes.add(key);
      this.logger.warn(`Redis Cluster node ${key} unavailable: ${this.redact(err.message)}`);
    });
    cluster.on('+node', (node: Redis, key: string) => {
      if (cluster.status === 'ready') node.connect().catch(() => undefined); // see openNodeConnections()
      node.on('ready', () => {
        if (this.downNodes.delete(key))
          this.logger.log(`Redis Cluster node ${key} available again`);
      });
    });
  }

  private redact(message: string): string {
    return this.secrets.reduce((m, s) => m.split(s).join('***'), message);
  }
}

function nodeKey(node: Redis): string {
  return `${node.options.host}:${node.options.port}`;
}

function urlSecrets(url: string): string[] {
  try {
    const u = new URL(url);
    return [u.password, decodeURIComponent(u.password)].filter((s) => s.length >= 3);
  } catch {
    return [];
  }
}
