/**
 * The example app as a real process, for tests that signal it: compiled by tsc (tsx emits no decorator
 * metadata, which Nest's injection needs) and run with `node …/src/main.js`, as `npm start` runs
 * `dist/main.js`.
 *
 * The build goes to a private directory under `node_modules/.cache/`, never to `dist/` or the package's
 * `dist/`: those belong to `npm run build` and the package's consumer tests, which may run at the same
 * time. One tsc program holds the app and the package's sources (the `paths` of tsconfig.json), and a
 * two-line `node_modules/nestjs-wristband` in the build directory points the app's imports at them.
 * Everything else resolves from the repository's `node_modules`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'nestjs-wristband/testing';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PACKAGE_INDEX = join(ROOT, 'packages/nestjs-wristband/src/index.ts');

export interface BuiltApp {
  /** The compiled entry point. */
  main: string;
  /** Removes the build. */
  dispose(): void;
}

/**
 * Compiles `entry` (a path from the repository's root; the example app's `src/main.ts` unless a test runs
 * an app of its own) and what it imports. Rejects with tsc's output when it does not compile.
 */
export async function buildApp(entry = 'src/main.ts'): Promise<BuiltApp> {
  const cache = join(ROOT, 'node_modules/.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'app-process-'));
  const out = join(dir, 'out');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.base.json'),
      compilerOptions: {
        rootDir: ROOT,
        outDir: out,
        types: ['node'],
        declaration: false,
        sourceMap: false,
        paths: { 'nestjs-wristband': [PACKAGE_INDEX] },
      },
      files: [join(ROOT, entry)],
    }),
  );
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const { code, output } = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]);
  if (code !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`tsc failed (exit ${code}):\n${output}`);
  }
  // `node_modules/` ends the search for a package.json: the build states its own module type.
  writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'module' }));
  const shim = join(out, 'node_modules/nestjs-wristband');
  mkdirSync(shim, { recursive: true });
  writeFileSync(
    join(shim, 'package.json'),
    JSON.stringify({ name: 'nestjs-wristband', type: 'module', exports: './index.js' }),
  );
  writeFileSync(
    join(shim, 'index.js'),
    "export * from '../../packages/nestjs-wristband/src/index.js';\n",
  );
  return {
    main: join(out, entry.replace(/\.ts$/, '.js')),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** When the process exited (epoch ms). */
  at: number;
}

export interface AppProcess {
  child: ChildProcess;
  url: string;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  exited: Promise<Exit>;
  /** Kills it if still running (end of test). */
  kill(): Promise<void>;
}

/** Starts the built app with exactly `env` (plus PATH) and resolves once `/health` answers 200. */
export async function startAppProcess(
  app: BuiltApp,
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<AppProcess> {
  const child = spawn(process.execPath, [app.main], {
    // Its own directory: a developer's `.env` in the repository must not leak into the test.
    cwd: join(app.main, '../..'),
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<Exit>((res) =>
    child.once('exit', (code, signal) => res({ code, signal, at: Date.now() })),
  );
  const proc: AppProcess = {
    child,
    url: `http://localhost:${port}`,
    output: () => output,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`app exited during startup:\n${output}`);
    const health = await request(`${proc.url}/health`, { timeoutMs: 1000 }).catch(() => undefined);
    if (health?.status === 200) return proc;
    if (Date.now() > deadline) {
      await proc.kill();
      throw new Error(`app did not answer /health:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function run(command: string, args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((res, rej) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', rej);
    child.once('close', (code) => res({ code, output }));
  });
}
