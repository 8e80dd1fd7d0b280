/**
 * A real `redis-server` on a free loopback port, for tests: no persistence, stopped with the test.
 * `stop()` / `start()` simulate an outage on the same port. When `redis-server` is not installed the
 * start fails loudly (never a silent skip): `.ci/run` installs it (Debian package `redis-server`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from './free-port.js';
import { setTimeout as sleep } from 'node:timers/promises';

export class RedisTestServer {
  private process?: ChildProcess;
  private output = '';
  /** Where `stop({ persist: true })` saves the data that the next `start()` loads. */
  private readonly dir = mkdtempSync(join(tmpdir(), 'redis-test-'));

  private constructor(
    readonly port: number,
    private readonly binary: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisTestServer> {
    const binary = process.env.REDIS_SERVER_BIN ?? 'redis-server';
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error || probe.status !== 0) {
      throw new Error(
        `redis-server is required by the Redis tests but "${binary}" cannot run (${probe.error?.message ?? probe.stderr}). ` +
          'Install it (Debian: apt-get install -y redis-server; `.ci/run` does this) or set REDIS_SERVER_BIN.',
      );
    }
    // A free port may be taken before redis-server binds it (parallel test workers): try another.
    for (let attempt = 1; ; attempt++) {
      const server = new RedisTestServer(await freePort(), binary);
      try {
        await server.start();
        return server;
      } catch (err) {
        await server.dispose();
        if (attempt >= 5 || !server.output.includes('Address already in use')) throw err;
      }
    }
  }

  /** (Re)starts the server on its port; resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.process) return;
    this.output = '';
    const child = spawn(
      this.binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        this.dir,
        '--dbfilename',
        'dump.rdb',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.process = child;
    const deadline = Date.now() + 10_000;
    // Its own "ready" line too: a PING answered on this port may come from another process's server.
    while (!this.output.includes('Ready to accept connections') || !(await ping(this.port))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        await this.stop();
        throw new Error(
          `redis-server did not start on port ${this.port}:\n${this.output.slice(-2000)}`,
        );
      }
      await sleep(25);
    }
  }

  /**
   * Stops the server (an outage, as clients see it); resolves once the process is gone. By default it
   * is killed and its data lost; `persist: true` saves first, so the next `start()` has the same data.
   */
  async stop(options: { persist?: boolean } = {}): Promise<void> {
    const child = this.process;
    if (!child) return;
    this.process = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    if (options.persist) {
      child.kill('SIGCONT');
      await rawCommand(this.port, ['SHUTDOWN', 'SAVE']).catch(() => undefined); // no reply: it exits
    } else {
      child.kill('SIGKILL');
    }
    await closed;
  }

  /** Freezes the server (a hung Redis: connections stay open, nothing answers) until `resume()`. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Stops the server and removes its data directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ping(port: number): Promise<boolean> {
  try {
    return (await rawCommand(port, ['PING'])).startsWith('+PONG');
  } catch {
    return false;
  }
}

function rawCommand(port: number, args: string[]): Promise<string> {
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000, () => socket.destroy(new Error('timeout')));
    socket.on('error', reject);
    socket.on('close', () => resolve(reply));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.endsWith('\r\n')) {
        resolve(reply);
        socket.destroy();
      }
    });
    socket.on('connect', () => socket.write(payload));
  });
}
