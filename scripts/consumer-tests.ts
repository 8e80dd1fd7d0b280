/**
 * Consumer tests: the package as a team gets it from npm. `npm run test:consumers`; scripts/test-all.sh
 * runs it after Jest.
 *
 * 1. `npm pack` in packages/nestjs-wristband (its `prepack` builds it).
 * 2. In a temporary directory outside the repository, for each app of test/consumers (nest12-esm: Nest 12,
 *    ESM; nest11-cjs: Nest 11, CommonJS): copy its sources, `npm install` the tarball plus the app's own
 *    dependencies (never ioredis: cookie sessions must not need it), check that the package resolves from
 *    the app's own node_modules, run the package's bin (`npx nestjs-wristband-emulator --help`), build with
 *    the app's tsc, and type-check the package's declarations against the app's Nest version with
 *    `skipLibCheck: false`.
 * 3. Start the test kit's emulator (`nestjs-wristband/testing`, loaded from the installed tarball), start
 *    the app as a real process (`node dist/main.js`, its environment from `wb.env()` only) and check it
 *    over real HTTP (consumer-tests.checks.ts).
 * 4. Run the app's own Jest test, which uses the kit.
 *
 * Nothing here reaches into the workspace: a file missing from the tarball, a wrong peer dependency or
 * an import that resolves only inside the repository fails a step.
 *
 * Options: `--app <name>` runs one app; `--keep` keeps the temporary directory (it is also kept when a
 * step fails, and its path printed).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as Kit from 'nestjs-wristband/testing';
import { EMULATOR_CLI_HELP, HTTP_CHECKS, type CheckContext } from './consumer-tests.checks.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGE_DIR = join(ROOT, 'packages/nestjs-wristband');
const FIXTURES = join(ROOT, 'test/consumers');
/** An npm command that has not finished by then is stuck (a registry that does not answer). */
const COMMAND_TIMEOUT_MS = 5 * 60_000;

interface ConsumerApp {
  name: string;
  /** What the compiled `dist/app.module.js` must contain: how the app loads the package. */
  loadsPackage: RegExp;
}

const APPS: ConsumerApp[] = [
  { name: 'nest12-esm', loadsPackage: /from 'nestjs-wristband'/ },
  // CommonJS output `require`s the ESM-only package: Node's require(esm).
  { name: 'nest11-cjs', loadsPackage: /require\("nestjs-wristband"\)/ },
];

class StepFailed extends Error {}

let passed = 0;
const failed: string[] = [];

/** Runs one named step; a failure is recorded and ends the current app. */
async function step<T>(label: string, fn: () => Promise<T> | T): Promise<T> {
  const started = Date.now();
  console.log(`▶ ${label}`);
  try {
    const result = await fn();
    passed += 1;
    console.log(`  ✓ ${label} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    return result;
  } catch (err) {
    failed.push(label);
    console.log(`  ✗ ${label}\n${indent(err instanceof Error ? err.message : String(err))}`);
    throw new StepFailed(label);
  }
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

/**
 * The environment of npm and node in the temporary apps: this one, less what `npm run` adds about the
 * repository (its prefix, package and lifecycle), so nothing points them back at the workspace.
 */
function outsideEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(npm_package_|npm_lifecycle_|npm_config_(local_prefix|workspaces?|include_workspace_root|call)$)/i.test(
        k,
      )
    )
      continue;
    if (['INIT_CWD', 'NODE_OPTIONS', 'NODE_PATH'].includes(k)) continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

interface RunResult {
  code: number | null;
  stdout: string;
  /** stdout and stderr, interleaved. */
  output: string;
}

function run(command: string, args: string[], cwd: string, env = outsideEnv()): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      output += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output });
    });
  });
}

/** Runs a command that must succeed; its output (last 60 lines) becomes the error otherwise. */
async function mustRun(
  command: string,
  args: string[],
  cwd: string,
  env?: NodeJS.ProcessEnv,
): Promise<RunResult> {
  const result = await run(command, args, cwd, env);
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited with ${result.code}:\n${tail(result.output, 60)}`,
    );
  return result;
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

/** What the tarball must hold, and nothing else: compiled JavaScript, declarations and the package's docs. */
const TARBALL_REQUIRED = [
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'dist/index.js',
  'dist/index.d.ts',
  'dist/testing/index.js',
  'dist/testing/index.d.ts',
  // The `bin` (npx nestjs-wristband-emulator).
  'dist/testing/emulator-cli.js',
];
const TARBALL_ALLOWED = /^(package\.json|README\.md|CHANGELOG\.md|dist\/.+\.(js|d\.ts))$/;

/** `npm pack` of the package into `dir` (checking its file list); returns the tarball's path. */
async function pack(dir: string): Promise<string> {
  const { stdout } = await mustRun(
    'npm',
    ['pack', '--json', '--pack-destination', dir],
    PACKAGE_DIR,
  );
  // prepack's build output comes first; the JSON report is the last thing printed.
  const json = stdout.slice(stdout.lastIndexOf('\n[\n') + 1);
  const [report] = JSON.parse(json) as { filename: string; files: { path: string }[] }[];
  const files = report.files.map((f) => f.path);
  const missing = TARBALL_REQUIRED.filter((f) => !files.includes(f));
  const unexpected = files.filter((f) => !TARBALL_ALLOWED.test(f) || /\.(e2e-)?spec\./.test(f));
  if (missing.length || unexpected.length) {
    throw new Error(
      `${report.filename}: missing ${JSON.stringify(missing)}, unexpected ${JSON.stringify(unexpected)}`,
    );
  }
  console.log(
    `  ${report.filename}: ${files.length} files, compiled JavaScript and declarations only`,
  );
  return join(dir, report.filename);
}

/** The realpath of `specifier` resolved from the app; throws when it does not resolve. */
function resolveFrom(appDir: string, specifier: string): string {
  return realpathSync(createRequire(join(appDir, 'package.json')).resolve(specifier));
}

async function testApp(app: ConsumerApp, workDir: string, tarball: string): Promise<void> {
  const dir = join(workDir, app.name);
  const tag = `[${app.name}]`;
  await step(`${tag} copy test/consumers/${app.name} to ${dir}`, () =>
    cpSync(join(FIXTURES, app.name), dir, {
      recursive: true,
      filter: (src) => !/[/\\](node_modules|dist)$/.test(src),
    }),
  );
  await step(`${tag} npm install ${basename(tarball)} and the app's dependencies`, () =>
    mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], dir),
  );
  await step(
    `${tag} the package resolves from the app's own node_modules; ioredis is not installed`,
    () => {
      for (const specifier of ['nestjs-wristband', 'nestjs-wristband/testing', '@nestjs/core']) {
        const resolved = resolveFrom(dir, specifier);
        if (!resolved.startsWith(realpathSync(dir) + sep))
          throw new Error(`${specifier} resolves outside the app: ${resolved}`);
      }
      let ioredis: string | undefined;
      try {
        ioredis = resolveFrom(dir, 'ioredis');
      } catch {
        // expected
      }
      if (ioredis)
        throw new Error(
          `ioredis is installed (${ioredis}): the test would not show that cookie mode runs without it`,
        );
    },
  );
  await step(`${tag} ${EMULATOR_CLI_HELP.name}`, async () => {
    const { code, output } = await run(EMULATOR_CLI_HELP.command, EMULATOR_CLI_HELP.args, dir);
    EMULATOR_CLI_HELP.verify(code, output);
  });
  await step(`${tag} npm run build (the app's tsc)`, async () => {
    await mustRun('npm', ['run', 'build'], dir);
    const compiled = readFileSync(join(dir, 'dist/app.module.js'), 'utf8');
    if (!app.loadsPackage.test(compiled))
      throw new Error(`dist/app.module.js does not match ${app.loadsPackage}:\n${compiled}`);
  });
  await step(
    `${tag} tsc --noEmit of src and test with skipLibCheck: false (the package's .d.ts against this app's Nest)`,
    () =>
      mustRun(
        process.execPath,
        [
          'node_modules/typescript/bin/tsc',
          '-p',
          'tsconfig.json',
          '--noEmit',
          '--incremental',
          'false',
          '--skipLibCheck',
          'false',
        ],
        dir,
      ),
  );

  await step(
    `${tag} with REDIS_URL set and no ioredis installed, the app refuses to start and names the package`,
    async () => {
      const env = {
        PATH: process.env.PATH ?? '',
        PORT: '1',
        WRISTBAND_APPLICATION_VANITY_DOMAIN: 'localhost:1',
        WRISTBAND_CLIENT_ID: 'c',
        WRISTBAND_CLIENT_SECRET: 's',
        SESSION_SECRETS: 'x'.repeat(40),
        REDIS_URL: 'redis://127.0.0.1:1',
      };
      const result = await run(process.execPath, ['dist/main.js'], dir, env);
      if (
        result.code === 0 ||
        !/"ioredis" is not installed: run `npm install ioredis`/.test(result.output)
      ) {
        throw new Error(
          `expected a startup error naming ioredis, got exit ${result.code}:\n${tail(result.output, 20)}`,
        );
      }
    },
  );

  const kitPath = resolveFrom(dir, 'nestjs-wristband/testing');
  const kit = (await step(
    `${tag} load the test kit from the installed tarball`,
    () => import(pathToFileURL(kitPath).href),
  )) as typeof Kit;
  const port = await kit.freePort();
  const appUrl = `http://localhost:${port}`;
  const wb = await step(`${tag} startWristbandEmulator({ appUrls: ['${appUrl}'] })`, () =>
    kit.startWristbandEmulator({ appUrls: [appUrl] }),
  );
  let proc: AppProcess | undefined;
  try {
    proc = await step(`${tag} node dist/main.js answers /health`, () =>
      startApp(dir, port, { ...wb.env(appUrl), PORT: String(port) }),
    );
    const ctx: CheckContext = { kit, wb, appUrl, sessions: new Map() };
    for (const check of HTTP_CHECKS) {
      await step(`${tag} ${check.name}`, () => check.run(ctx)).catch((err: unknown) => {
        console.log(`    the app's output (last 40 lines):\n${indent(tail(proc!.output(), 40))}`);
        throw err;
      });
    }
    const warnings = proc.output().match(/^.*ExperimentalWarning.*$/gm);
    console.log(
      `  note: the app process printed ${warnings ? `ExperimentalWarning: ${warnings.join(' | ')}` : 'no ExperimentalWarning'}`,
    );
  } finally {
    await proc?.stop();
    await wb.stop();
  }

  await step(`${tag} the app's own Jest test (npm run test:e2e), with the kit`, async () => {
    const { output } = await mustRun('npm', ['run', 'test:e2e', '--', '--verbose'], dir);
    console.log(
      indent(
        output
          .split('\n')
          .filter((l) => /✓|✕|Tests:|Test Suites:/.test(l))
          .join('\n'),
      ),
    );
  });
}

interface AppProcess {
  output(): string;
  stop(): Promise<void>;
}

/** `node dist/main.js` with exactly `env` (plus PATH); resolves once `/health` answers 200. */
async function startApp(
  dir: string,
  port: number,
  env: Record<string, string>,
): Promise<AppProcess> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  const proc: AppProcess = {
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`the app exited during startup:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return proc;
    if (Date.now() > deadline) {
      await proc.stop();
      throw new Error(`the app did not answer /health within 30 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const only = args.includes('--app') ? args[args.indexOf('--app') + 1] : undefined;
  const apps = APPS.filter((a) => !only || a.name === only);
  if (apps.length === 0)
    throw new Error(`no consumer app named ${only}: ${APPS.map((a) => a.name).join(', ')}`);
  const workDir = mkdtempSync(join(tmpdir(), 'nestjs-wristband-consumers-'));
  console.log(`Consumer tests in ${workDir} (node ${process.version})`);
  try {
    const tarball = await step('npm pack (packages/nestjs-wristband, built by prepack)', () =>
      pack(workDir),
    );
    for (const app of apps) {
      try {
        await testApp(app, workDir, tarball);
      } catch (err) {
        if (!(err instanceof StepFailed)) {
          failed.push(`[${app.name}] ${(err as Error).message}`);
          console.log(`  ✗ [${app.name}] ${(err as Error).stack}`);
        }
      }
    }
  } catch (err) {
    if (!(err instanceof StepFailed)) throw err;
  } finally {
    if (failed.length || args.includes('--keep')) console.log(`Kept ${workDir}`);
    else rmSync(workDir, { recursive: true, force: true });
  }
  if (failed.length) console.log(`\nFailed steps:\n${failed.map((f) => `  ${f}`).join('\n')}`);
  // The closing line CI reads.
  console.log(`\nconsumer-tests: ${passed} passed, ${failed.length} failed`);
  // Whatever a failed step left open (a socket, a timer) must not keep the run alive.
  process.exit(failed.length ? 1 : 0);
}

await main();
