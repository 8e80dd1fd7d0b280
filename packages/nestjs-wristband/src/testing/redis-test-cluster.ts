/**
 * A real Redis Cluster of masters (3 by default, no replicas) on free loopback ports, for tests: Debian's
 * `redis-server` in cluster mode, joined by `redis-cli --cluster create`. `stopNode(i)` / `startNode(i)`
 * simulate one node's outage on the same ports, keeping its data and its cluster identity. When
 * `redis-server` or `redis-cli` is missing the start fails loudly (Debian: `apt-get install -y redis-server`,
 * which brings `redis-cli` with it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.js';

export interface RedisTestClusterOptions {
  /** Masters, at least 3 (the least `redis-cli --cluster create` accepts). Default 3. */
  masters?: number;
  /**
   * How long the other nodes wait before they call a silent node failed, in milliseconds (the cluster
   * then refuses every command until it is back). Default 1000.
   */
  nodeTimeoutMs?: number;
  /**
   * Password every node requires (`requirepass`, and `masterauth` for replication); clients then connect
   * with `redis://:password@host:port` entries. Default none.
   */
  password?: string;
}

interface Settings {
  nodeTimeoutMs: number;
  password?: string;
}

export interface RedisTestClusterNode {
  host: string;
  port: number;
}

interface NodeProcess extends RedisTestClusterNode {
  /** The cluster bus port (`cluster-port`): chosen free too, as port + 10000 may be taken or invalid. */
  busPort: number;
  dir: string;
  process?: ChildProcess;
  output: string;
}

const HOST = '127.0.0.1';

export class RedisTestCluster {
  private constructor(
    private readonly nodeProcesses: NodeProcess[],
    private readonly root: string,
    private readonly binaries: { server: string; cli: string },
    private readonly settings: Settings,
  ) {}

  /** The nodes, in start order. */
  get nodes(): RedisTestClusterNode[] {
    return this.nodeProcesses.map(({ host, port }) => ({ host, port }));
  }

  /**
   * The value of `REDIS_CLUSTER_NODES` for this cluster: `host:port,host:port,…`, the first entry as
   * `redis://:password@host:port` when the nodes require a password.
   */
  get nodesEnv(): string {
    const auth = this.settings.password
      ? `redis://:${encodeURIComponent(this.settings.password)}@`
      : '';
    return this.nodes.map((n, i) => `${i === 0 ? auth : ''}${n.host}:${n.port}`).join(',');
  }

  /**
   * Starts the nodes, creates the cluster and resolves once every node reports `cluster_state:ok`.
   * Tries up to 3 times on fresh ports (another process may take a free port before a node binds it);
   * each failed attempt is cleaned up.
   */
  static async start(options: RedisTestClusterOptions = {}): Promise<RedisTestCluster> {
    const masters = options.masters ?? 3;
    if (masters < 3) throw new Error('A Redis Cluster needs at least 3 masters');
    const binaries = {
      server: requireBinary(process.env.REDIS_SERVER_BIN ?? 'redis-server', 'redis-server'),
      cli: requireBinary(process.env.REDIS_CLI_BIN ?? 'redis-cli', 'redis-cli'),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await RedisTestCluster.startOnce(masters, binaries, {
          nodeTimeoutMs: options.nodeTimeoutMs ?? 1000,
          ...(options.password ? { password: options.password } : {}),
        });
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  private static async startOnce(
    masters: number,
    binaries: { server: string; cli: string },
    settings: Settings,
  ): Promise<RedisTestCluster> {
    const root = mkdtempSync(join(tmpdir(), 'redis-test-cluster-'));
    const nodes: NodeProcess[] = [];
    const cluster = new RedisTestCluster(nodes, root, binaries, settings);
    try {
      const ports = await distinctFreePorts(masters * 2);
      for (let i = 0; i < masters; i++) {
        const dir = join(root, `node-${i}`);
        mkdirSync(dir);
        nodes.push({ host: HOST, port: ports[2 * i], busPort: ports[2 * i + 1], dir, output: '' });
      }
      await Promise.all(nodes.map((_, i) => cluster.startNode(i, { waitForCluster: false })));
      await cluster.create();
      await cluster.waitUntilOk();
      return cluster;
    } catch (err) {
      await cluster.dispose();
      throw err;
    }
  }

  /**
   * Starts node `i` again after `stopNode(i)`, on the same ports with its data and cluster identity;
   * resolves once the whole cluster reports `cluster_state:ok` again.
   */
  async startNode(i: number, options: { waitForCluster?: boolean } = {}): Promise<void> {
    const node = this.node(i);
    if (node.process) return;
    node.output = '';
    const child = spawn(
      this.binaries.server,
      [
        '--port',
        String(node.port),
        '--bind',
        HOST,
        '--cluster-enabled',
        'yes',
        '--cluster-port',
        String(node.busPort),
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        String(this.settings.nodeTimeoutMs),
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        node.dir,
        '--dbfilename',
        'dump.rdb',
        ...(this.settings.password
          ? ['--requirepass', this.settings.password, '--masterauth', this.settings.password]
          : []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (node.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (node.output += d.toString()));
    node.process = child;
    const deadline = Date.now() + 10_000;
    while ((await this.command(node.port, ['PING']).catch(() => '')) !== 'PONG') {
      if (child.exitCode !== null || Date.now() > deadline) {
        const output = node.output;
        await this.stopNode(i);
        throw new Error(`redis-server did not start on port ${node.port}:\n${output.slice(-2000)}`);
      }
      await sleep(25);
    }
    if (options.waitForCluster !== false) await this.waitUntilOk();
  }

  /**
   * Stops node `i` (an outage, as clients see it); resolves once its process is gone. Its data is saved
   * first, so `startNode(i)` brings the same keys back.
   */
  async stopNode(i: number): Promise<void> {
    const node = this.node(i);
    const child = node.process;
    if (!child) return;
    node.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    child.kill('SIGCONT');
    await this.command(node.port, ['SHUTDOWN', 'SAVE']).catch(() => undefined); // no reply: it exits
    const killed = setTimeout(() => child.kill('SIGKILL'), 5000);
    await closed;
    clearTimeout(killed);
  }

  /** Freezes node `i` (a hung node: connections stay open, nothing answers) until `resumeNode(i)`. */
  pauseNode(i: number): void {
    this.node(i).process?.kill('SIGSTOP');
  }

  /** Lets node `i` answer again; resolves once the whole cluster reports `cluster_state:ok`. */
  async resumeNode(i: number): Promise<void> {
    this.node(i).process?.kill('SIGCONT');
    await this.waitUntilOk();
  }

  /** The index of the node that serves this key now (by `CLUSTER KEYSLOT` and `CLUSTER SLOTS`). */
  async nodeOf(key: string): Promise<number> {
    const live = this.nodeProcesses.find((n) => n.process);
    if (!live) throw new Error('No node of the cluster is running');
    const slot = Number(await this.command(live.port, ['CLUSTER', 'KEYSLOT', key]));
    const ranges = (await this.command(live.port, ['CLUSTER', 'SLOTS'])) as unknown as [
      number,
      number,
      [string, number, ...unknown[]],
    ][];
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    const index = this.nodeProcesses.findIndex((n) => n.port === range?.[2][1]);
    if (index < 0) throw new Error(`No node serves slot ${slot}`);
    return index;
  }

  /** Stops every node and removes their directories. */
  async dispose(): Promise<void> {
    await Promise.all(this.nodeProcesses.map((_, i) => this.stopNode(i).catch(() => undefined)));
    rmSync(this.root, { recursive: true, force: true });
  }

  private command(port: number, args: string[]): Promise<string> {
    return command(port, args, this.settings.password);
  }

  private node(i: number): NodeProcess {
    const node = this.nodeProcesses[i];
    if (!node) throw new Error(`No node ${i} (the cluster has ${this.nodeProcesses.length})`);
    return node;
  }

  private async create(): Promise<void> {
    const args = [
      '--cluster',
      'create',
      ...this.nodeProcesses.map((n) => `${n.host}:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
      ...(this.settings.password ? ['-a', this.settings.password, '--no-auth-warning'] : []),
    ];
    const child = spawn(this.binaries.cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    if (code !== 0 || !output.includes('All 16384 slots covered'))
      throw new Error(`redis-cli --cluster create failed (exit ${code}):\n${output.slice(-2000)}`);
  }

  /** Until every running node says `cluster_state:ok` and knows every node: clients can then use it. */
  private async waitUntilOk(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const infos = await Promise.all(
        this.nodeProcesses
          .filter((n) => n.process)
          .map((n) => this.command(n.port, ['CLUSTER', 'INFO']).catch((e: Error) => e.message)),
      );
      const ok = infos.every(
        (info) =>
          info.includes('cluster_state:ok') &&
          info.includes(`cluster_known_nodes:${this.nodeProcesses.length}`),
      );
      if (ok) return;
      if (Date.now() > deadline)
        throw new Error(`The Redis Cluster is not ok after ${timeoutMs} ms:\n${infos.join('\n')}`);
      await sleep(50);
    }
  }
}

function requireBinary(binary: string, name: string): string {
  const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `${name} is required by the Redis Cluster tests but "${binary}" cannot run (${probe.error?.message ?? probe.stderr}). ` +
        `Install it (Debian: apt-get install -y redis-server, which brings redis-cli) or set ${
          name === 'redis-cli' ? 'REDIS_CLI_BIN' : 'REDIS_SERVER_BIN'
        }.`,
    );
  }
  return binary;
}

/** `count` free loopback ports, all different (two `freePort()` calls may return the same one). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

type Reply = string | number | null | Reply[];

/**
 * One command over a fresh connection (after AUTH when a password is given); resolves with the decoded
 * reply, rejects on an error reply.
 */
function command(port: number, args: string[], password?: string): Promise<string> {
  const encode = (a: string[]) =>
    `*${a.length}\r\n${a.map((x) => `$${Buffer.byteLength(x)}\r\n${x}\r\n`).join('')}`;
  const payload = (password ? encode(['AUTH', password]) : '') + encode(args);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port });
    let buffer = Buffer.alloc(0);
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('connection closed before a reply')));
    socket.on('data', (d: Buffer) => {
      buffer = Buffer.concat([buffer, d]);
      const auth = password ? parse(buffer, 0) : undefined;
      if (password && !auth) return;
      if (auth?.value instanceof Error) {
        socket.destroy();
        reject(auth.value);
        return;
      }
      const parsed = parse(buffer, auth?.end ?? 0);
      if (!parsed) return;
      socket.destroy();
      if (parsed.value instanceof Error) reject(parsed.value);
      else resolve(parsed.value as string);
    });
    socket.on('connect', () => socket.write(payload));
  });
}

/** A RESP2 reply at `at`, or undefined while incomplete. */
function parse(buf: Buffer, at: number): { value: Reply | Error; end: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', at);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[at]);
  const line = buf.toString('utf8', at + 1, lineEnd);
  const next = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, end: next };
    case '-':
      return { value: new Error(line), end: next };
    case ':':
      return { value: Number(line), end: next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { value: null, end: next };
      if (buf.length < next + length + 2) return undefined;
      return { value: buf.toString('utf8', next, next + length), end: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      const items: Reply[] = [];
      let end = next;
      for (let k = 0; k < count; k++) {
        const item = parse(buf, end);
        if (!item) return undefined;
        if (item.value instanceof Error) return item;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      return { value: new Error(`unexpected reply: ${line}`), end: next };
  }
}
