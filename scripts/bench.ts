/**
 * `npm run bench` (issue 16): what the guard costs on Express and on Fastify, over REST and GraphQL, and
 * what the credential caches cost in memory, measured on the production build. Every figure that is a
 * target is a ratio of two routes measured in the same run on the same machine, never an absolute time.
 *
 * 1. Starts the Wristband emulator in-process and two apps as child processes (the production build in
 *    `dist/`, created as `dist/main.js` creates it, via scripts/bench-app.ts; NODE_ENV unset;
 *    METRICS_ENABLED=true unless BENCH_METRICS=0): one on Express, one on Fastify, on free loopback ports.
 * 2. Logs in once per app through the real flow and gets a bearer token from `/auth/token`.
 * 3. Warm-up, then ROUNDS rounds of autocannon over every (adapter, route) pair, the order rotated each
 *    round: `/health`, `/api/me` with the session cookie, `/api/me` with the bearer token, the no-op-guard
 *    floor route `/bench/floor` (same cookie, same body as `/api/me`: see scripts/bench-app.ts), and
 *    `POST /graphql` with the guarded `me` query (session cookie) and the public `ping` query. Prints
 *    req/s, p50, p99, the app's and the load generator's CPU µs per request per round, then the medians.
 *    Any non-2xx answer, GraphQL error, socket error or timeout fails the run.
 * 4. Refresh figure, per adapter: a real session with a 2 s access token, past half its lifetime (when the
 *    guard refreshes it), 50 concurrent `/api/me` → `refresh_token` calls Wristband received (must be 1).
 * 5. Memory, per adapter: the app's RSS when warmed up (after 3 and 4 and 40k requests on the login's
 *    own cookie and token: the young generation at the size this load gives it), then after 10k distinct cookie
 *    sessions and 10k distinct bearer tokens were each sent twice (all cached: the app's `/bench/caches`
 *    says how many entries each cache holds), then after another 10k + 10k (the caches evict). Sessions:
 *    the real login's session re-sealed with the app's secret under a new id and user id (`CookieSealer`,
 *    as the app seals; for the server they are logins like any other); tokens: minted and signed by the
 *    emulator with a distinct `sub`. 20k real logins would take minutes. Each RSS figure is taken after
 *    a second idle and full garbage collections (the apps run with --expose-gc), as V8's memory reducer
 *    collects by itself in an idle app: memory held, not garbage V8 has not collected yet.
 * 6. Prints every target with OK or its shortfall, where the time goes (app CPU per request of each
 *    route on each adapter), a Markdown table of the run, and writes `bench-results/latest.json`.
 *
 * Targets: on each adapter `/api/me` (session) and (bearer) ≥ 0.95 × the floor route and GraphQL `me` ≥ 0.90
 * × `ping`; Fastify `/api/me` (session) ≥ 2 × Express's; RSS growth for 10k + 10k cached ≤ 64 MB; refresh
 * figure 1 on each adapter. Exit code: 0 when all are met, 2 when the run was clean but a speed ratio fell
 * short, 1 for anything else (errors, refresh figure, memory, a target not measured).
 *
 * Knobs (env): BENCH_ROUNDS (5, at least 5), BENCH_DURATION (3 s per route per round), BENCH_WARMUP (2 s
 * per route), BENCH_CONNECTIONS (10), BENCH_ADAPTERS (`express,fastify`), BENCH_METRICS (1),
 * BENCH_CPU_PROF=1 (V8 CPU profiles of the apps in bench-results/prof/), BENCH_COMPARE=1 (adds, on Express,
 * the other approaches issue 6 names, see scripts/bench-compare.ts).
 *
 * The machine's load average is printed before and after: on a shared machine other processes take
 * CPU from the apps and from autocannon, which is why routes are interleaved and medians are used.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sealData } from 'iron-session';
// Internals on purpose: the bench seals thousands of distinct sessions without logging each one in.
import { CookieSessionStore } from '../packages/nestjs-wristband/src/session/cookie-session.store.js';
import { IRON_COOKIE_NAME, type IronSessionData } from './bench-compare.js';
import type { WristbandSession } from 'nestjs-wristband';
import {
  CookieSealer,
  freePort,
  request,
  startWristbandEmulator,
  type WristbandEmulator,
  type WristbandTestEmulator,
} from 'nestjs-wristband/testing';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(ROOT, 'bench-results');
const SESSION_COOKIE = 'wb_session';
const USER = 'alice@acme.test';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const ROUNDS = Math.max(5, Math.floor(num('BENCH_ROUNDS', 5)));
const DURATION = num('BENCH_DURATION', 3);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = Math.floor(num('BENCH_CONNECTIONS', 10));
const MEMORY_CREDENTIALS = 10_000;
const MEMORY_CONNECTIONS = 20;
/** Longest idle wait for RSS to settle before a memory sample (BENCH_MEMORY_SETTLE, seconds). */
const MEMORY_SETTLE_MS = num('BENCH_MEMORY_SETTLE', 20) * 1000;
const REFRESH_CONCURRENCY = 50;
const GUARD_SHARE_TARGET = 0.95;
const GRAPHQL_TARGET = 0.9;
const FASTIFY_TARGET = 2;
const MEMORY_TARGET_MB = 64;
const COMPARE = process.env.BENCH_COMPARE === '1';
const METRICS = process.env.BENCH_METRICS !== '0';
const CPU_PROF = process.env.BENCH_CPU_PROF === '1';

type Adapter = 'express' | 'fastify';
const ADAPTERS = (process.env.BENCH_ADAPTERS ?? 'express,fastify')
  .split(',')
  .map((a) => a.trim())
  .filter((a): a is Adapter => a === 'express' || a === 'fastify');

type RouteName =
  'health' | 'session' | 'bearer' | 'floor' | 'gqlMe' | 'gqlPing' | 'gqlFloor' | ComparedRoute;
/** The other approaches (BENCH_COMPARE=1, Express): information beside the targets, never targets. */
type ComparedRoute = 'ironSession' | 'joseEveryRequest' | 'sealedEveryRequest';
const COMPARED: ComparedRoute[] = ['ironSession', 'joseEveryRequest', 'sealedEveryRequest'];
const ROUTE_LABEL: Record<RouteName, string> = {
  health: 'GET /health',
  session: 'GET /api/me (session)',
  bearer: 'GET /api/me (bearer)',
  floor: 'GET /bench/floor (no-op guard)',
  gqlMe: 'POST /graphql me (session)',
  gqlPing: 'POST /graphql ping (public)',
  gqlFloor: 'POST /graphql benchFloorMe (no-op)',
  ironSession: 'GET /bench/iron-session',
  joseEveryRequest: 'GET /bench/jose-every-request',
  sealedEveryRequest: 'GET /bench/sealed-every-request',
};
const COMPARED_WITH: Record<ComparedRoute, { ours: 'session' | 'bearer'; what: string }> = {
  ironSession: {
    ours: 'session',
    what: "iron-session opened and saved on every request (Wristband's demo)",
  },
  joseEveryRequest: { ours: 'bearer', what: 'jose verifies the bearer token on every request' },
  sealedEveryRequest: {
    ours: 'session',
    what: 'our sealed cookie opened on every request, no cache',
  },
};
const GQL_ME = JSON.stringify({ query: '{ me { userId tenantId tenantName email roles } }' });
const GQL_PING = JSON.stringify({ query: '{ ping }' });
const GQL_FLOOR = JSON.stringify({
  query: '{ benchFloorMe { userId tenantId tenantName email roles } }',
});

interface Route {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

interface RunFigures {
  adapter: Adapter;
  route: RouteName;
  round: number;
  reqPerSec: number;
  /** Latencies in ms (autocannon's histogram has 1 ms resolution for percentiles; the mean is exact). */
  mean: number;
  p50: number;
  p99: number;
  requests: number;
  /** CPU time of the app process (all its threads, GC included) per request, in µs. */
  appCpuUs: number;
  /** CPU time of this process (autocannon; the emulator idles meanwhile) per request, in µs. */
  clientCpuUs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Medians = Pick<RunFigures, 'reqPerSec' | 'mean' | 'p50' | 'p99' | 'appCpuUs' | 'clientCpuUs'>;

const log = (...args: unknown[]) => console.log(...args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;
const round1 = (x: number) => Math.round(x * 10) / 10;
const pad = (s: string | number, n: number) => String(s).padStart(n);
const MB = 1024 * 1024;

// ---------------------------------------------------------------------------------------------------
// App child processes

interface AppProcess {
  adapter: Adapter;
  child: ChildProcess;
  port: number;
  url: string; // http://localhost:PORT (cookie domain of the login flow)
  loopUrl: string; // http://127.0.0.1:PORT (what autocannon hits)
  output: string[];
}

function startApp(wb: WristbandTestEmulator, port: number, adapter: Adapter): AppProcess {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...wb.env(`http://localhost:${port}`),
    PORT: String(port),
    HOST: '127.0.0.1',
    HTTP_ADAPTER: adapter,
    ...(METRICS && { METRICS_ENABLED: 'true' }),
  };
  delete env.NODE_ENV; // production build, but the dangerous-http flag refuses NODE_ENV=production
  // For the memory figures: full collections before each sample (scripts/bench-app.ts `/bench/caches`).
  const nodeArgs: string[] = ['--expose-gc'];
  if (CPU_PROF) {
    // The profile is written on a normal exit; Nest's shutdown hooks end the process with the signal
    // instead, so profiling runs stop the app with SIGUSR2 → process.exit(0).
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${join(RESULTS_DIR, 'prof', adapter)}`,
      '--import',
      'data:text/javascript,process.on("SIGUSR2",()=>process.exit(0))',
    );
  }
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', join(ROOT, 'scripts/bench-app.ts')],
    {
      cwd: ROOT,
      env: { ...env, TSX_TSCONFIG_PATH: join(ROOT, 'scripts/built-package.tsconfig.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return {
    adapter,
    child,
    port,
    url: `http://localhost:${port}`,
    loopUrl: `http://127.0.0.1:${port}`,
    output,
  };
}

async function waitForHealth(app: AppProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(
        `${app.adapter} app exited during startup (code ${app.child.exitCode}):\n${app.output.join('\n')}`,
      );
    }
    try {
      const res = await request(`${app.loopUrl}/health`, { timeoutMs: 1000 });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(
    `${app.adapter} app did not answer /health within ${timeoutMs} ms:\n${app.output.join('\n')}`,
  );
}

async function stopApp(app: AppProcess | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => app.child.once('exit', () => r()));
  // SIGINT: Nest's shutdown hooks close the app.
  app.child.kill(CPU_PROF ? 'SIGUSR2' : 'SIGINT');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('VmRSS not found');
  return round1(Number(m[1]) / 1024);
}

/** User + system CPU time of a process so far, in µs (from /proc: Linux only, like the RSS figures). */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;
const ownCpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

// ---------------------------------------------------------------------------------------------------
// Load

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolvePromise, reject) => {
    // No progress bar / table: the script prints its own.
    autocannon(opts, (err, result) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolvePromise(result),
    );
  });
}

function drive(route: Route, seconds: number): Promise<autocannon.Result> {
  return cannon({
    url: route.url,
    method: route.method,
    headers: route.headers,
    body: route.body,
    connections: CONNECTIONS,
    duration: seconds,
    pipelining: 1,
  });
}

function figures(
  adapter: Adapter,
  route: RouteName,
  roundNo: number,
  r: autocannon.Result,
  appCpu = 0,
  clientCpu = 0,
): RunFigures {
  return {
    adapter,
    route,
    round: roundNo,
    // All requests over the run's measured length, rather than autocannon's mean of its few per-second samples.
    reqPerSec: r.duration > 0 ? Math.round(r.requests.total / r.duration) : 0,
    mean: round2(r.latency.mean),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    appCpuUs: r.requests.total ? round1(appCpu / r.requests.total) : 0,
    clientCpuUs: r.requests.total ? round1(clientCpu / r.requests.total) : 0,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

const failedRun = (f: Pick<RunFigures, 'non2xx' | 'errors' | 'timeouts'>) =>
  f.non2xx + f.errors + f.timeouts > 0;

// ---------------------------------------------------------------------------------------------------
// Targets

interface Target {
  name: string;
  /** undefined: not measured (a shortfall too). */
  value: number | undefined;
  target: string;
  met: boolean;
  /** Speed ratios give exit code 2 when they are the only shortfall. */
  speed: boolean;
  info?: string;
}

// ---------------------------------------------------------------------------------------------------
// Main

interface AdapterState {
  app: AppProcess;
  routes: Partial<Record<RouteName, Route>>;
  sessionCookie: string;
  bearerToken: string;
  /** The GraphQL routes answer (B: not served, or refused): why they are left out. */
  graphqlMissing?: string;
}

async function main(): Promise<number> {
  const started = Date.now();
  const loadBefore = loadavg().map(round2);
  log(
    `machine: ${cpus().length} CPUs, load average ${loadBefore.join(' ')}${loadBefore[0] > cpus().length ? '  (busy machine: figures will be noisy)' : ''}; adapters ${ADAPTERS.join(', ')}; metrics ${METRICS ? 'on' : 'off'}`,
  );
  const problems: string[] = [];
  let wb: WristbandTestEmulator | undefined;
  const apps: AppProcess[] = [];

  const cleanup = async () => {
    await Promise.all(apps.map((a) => stopApp(a).catch(() => undefined)));
    await wb?.stop().catch(() => undefined);
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // 1. Emulator + apps ------------------------------------------------------------------------------
    const ports = new Map<Adapter, number>();
    for (const adapter of ADAPTERS) ports.set(adapter, await freePort());
    wb = await startWristbandEmulator({
      appUrls: [...ports.values()].map((p) => `http://localhost:${p}`),
    });
    const emulator = wb.emulator;
    for (const adapter of ADAPTERS) apps.push(startApp(wb, ports.get(adapter)!, adapter));
    // The apps' sealing secret: the kit's, the same for every app it configures.
    const sessionSecret = wb.env(apps[0].url).SESSION_SECRETS;
    await Promise.all(apps.map((a) => waitForHealth(a)));
    for (const a of apps) log(`${a.adapter}: app pid ${a.child.pid} on ${a.loopUrl}`);
    log(`emulator on ${emulator.url}`);

    // 2. One real login per app, then a bearer token from /auth/token ---------------------------------
    const cookieStore = new CookieSessionStore(new CookieSealer([sessionSecret]));
    const states = new Map<Adapter, AdapterState>();
    let template: WristbandSession | undefined;
    const sanity: Record<string, unknown> = {};
    for (const app of apps) {
      const { jar, cookie: cookieHeader } = await wb.loginSession(app.url, { email: USER });
      const sessionCookie = jar.get(`${app.url}/api/me`, SESSION_COOKIE);
      if (!sessionCookie) throw new Error('login did not leave a session cookie');
      const tokenRes = await request(`${app.url}/auth/token`, { jar });
      if (tokenRes.status !== 200)
        throw new Error(`/auth/token answered ${tokenRes.status}: ${tokenRes.text}`);
      const bearerToken = tokenRes.json<{ accessToken: string }>().accessToken;
      // Real template session: open the real login's cookie with the app's own secret.
      template ??= cookieStore.readSync(sessionCookie);
      if (!template) throw new Error('could not open the session cookie with SESSION_SECRETS');

      const base = app.loopUrl;
      const json = { 'content-type': 'application/json' };
      const routes: AdapterState['routes'] = {
        health: { url: `${base}/health`, method: 'GET', headers: {} },
        session: { url: `${base}/api/me`, method: 'GET', headers: { cookie: cookieHeader } },
        bearer: {
          url: `${base}/api/me`,
          method: 'GET',
          headers: { authorization: `Bearer ${bearerToken}` },
        },
        floor: { url: `${base}/bench/floor`, method: 'GET', headers: { cookie: cookieHeader } },
        gqlMe: {
          url: `${base}/graphql`,
          method: 'POST',
          headers: { ...json, cookie: cookieHeader },
          body: GQL_ME,
        },
        gqlPing: { url: `${base}/graphql`, method: 'POST', headers: json, body: GQL_PING },
        gqlFloor: {
          url: `${base}/graphql`,
          method: 'POST',
          headers: { ...json, cookie: cookieHeader },
          body: GQL_FLOOR,
        },
      };
      if (COMPARE && app.adapter === 'express')
        Object.assign(
          routes,
          await compareRoutes(base, template, cookieHeader, bearerToken, sessionSecret),
        );
      const state: AdapterState = { app, routes, sessionCookie, bearerToken };

      // The reference route answers exactly what /api/me answers.
      const meBody = (await request(routes.session!.url, { headers: routes.session!.headers }))
        .text;
      const setFloor = await request(`${base}/bench/floor`, {
        method: 'PUT',
        body: JSON.parse(meBody) as Record<string, unknown>,
      });
      if (setFloor.status !== 200)
        throw new Error(`PUT /bench/floor answered ${setFloor.status}: ${setFloor.text}`);
      // Sanity: each route answers 200 with the expected body before anything is timed.
      const checks: Record<string, unknown> = {
        sessionCookieChars: sessionCookie.length,
        bearerTokenChars: bearerToken.length,
      };
      for (const name of Object.keys(routes) as RouteName[]) {
        const route = routes[name];
        if (!route) continue; // a GraphQL route left out with its siblings
        const res = await request(route.url, {
          method: route.method,
          headers: route.headers,
          body: route.body,
        });
        const what = `${app.adapter} ${ROUTE_LABEL[name]}`;
        if (name === 'gqlMe' || name === 'gqlPing' || name === 'gqlFloor') {
          const answer =
            res.status === 200 ? res.json<{ data?: Record<string, unknown> | null }>() : undefined;
          const me = (answer?.data?.me ?? answer?.data?.benchFloorMe) as
            { userId?: unknown } | undefined;
          const ok =
            name === 'gqlPing' ? answer?.data?.ping === 'pong' : typeof me?.userId === 'string';
          if (!ok) {
            state.graphqlMissing = `${what} answered ${res.status}: ${res.text.slice(0, 200)}`;
            delete routes.gqlMe;
            delete routes.gqlPing;
            delete routes.gqlFloor;
            continue;
          }
        } else {
          if (res.status !== 200) throw new Error(`${what} answered ${res.status}: ${res.text}`);
          if (name !== 'health' && res.json<{ userId?: string }>().userId === undefined)
            throw new Error(`${what} has no userId: ${res.text}`);
          // The reference and compared routes answer the session's /api/me body.
          if (name !== 'health' && name !== 'bearer' && name !== 'session' && res.text !== meBody)
            throw new Error(`${what} body differs from /api/me: ${res.text}`);
        }
        checks[name] = {
          status: res.status,
          setCookieHeaders: res.headers['set-cookie']?.length ?? 0,
        };
      }
      // Issue 17: the targets hold with metrics on; say whether they were.
      checks.metricsStatus = (await request(`${base}/metrics`)).status;
      sanity[app.adapter] = checks;
      log(`${app.adapter}: GET /metrics answered ${String(checks.metricsStatus)}`);
      states.set(app.adapter, state);
      if (state.graphqlMissing) log(`${app.adapter}: GraphQL left out: ${state.graphqlMissing}`);
    }

    // 3. Warm-up, then interleaved rounds ------------------------------------------------------------
    const pairs = ADAPTERS.flatMap((adapter) =>
      (Object.keys(states.get(adapter)!.routes) as RouteName[]).map((route) => ({
        adapter,
        route,
      })),
    );
    const routeOf = (p: { adapter: Adapter; route: RouteName }) =>
      states.get(p.adapter)!.routes[p.route]!;
    const pidOf = (adapter: Adapter) => states.get(adapter)!.app.child.pid!;
    log(`warm-up: ${WARMUP} s per route, ${CONNECTIONS} connections`);
    for (const p of pairs) {
      const f = figures(p.adapter, p.route, 0, await drive(routeOf(p), WARMUP));
      if (failedRun(f))
        problems.push(
          `warm-up ${p.adapter} ${ROUTE_LABEL[p.route]}: ${f.non2xx} non-2xx, ${f.errors} errors, ${f.timeouts} timeouts`,
        );
    }

    log(
      `\nmeasure: ${ROUNDS} rounds × ${pairs.length} routes × ${DURATION} s, ${CONNECTIONS} connections, order rotated per round`,
    );
    log(
      `${'round'.padEnd(6)}${'adapter'.padEnd(9)}${'route'.padEnd(32)}${pad('req/s', 8)}${pad('mean ms', 9)}${pad('p50', 5)}${pad('p99', 5)}${pad('app µs', 8)}${pad('load µs', 8)}${pad('non2xx', 8)}${pad('errors', 7)}`,
    );
    const runs: RunFigures[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const rotated = pairs.map((_, i) => pairs[(i + r - 1) % pairs.length]);
      for (const p of rotated) {
        const pid = pidOf(p.adapter);
        const appBefore = cpuUs(pid);
        const ownBefore = ownCpuUs();
        const result = await drive(routeOf(p), DURATION);
        const f = figures(
          p.adapter,
          p.route,
          r,
          result,
          cpuUs(pid) - appBefore,
          ownCpuUs() - ownBefore,
        );
        runs.push(f);
        if (failedRun(f))
          problems.push(
            `round ${r} ${p.adapter} ${ROUTE_LABEL[p.route]}: ${f.non2xx} non-2xx, ${f.errors} errors, ${f.timeouts} timeouts`,
          );
        log(
          `${String(r).padEnd(6)}${p.adapter.padEnd(9)}${ROUTE_LABEL[p.route].padEnd(32)}${pad(f.reqPerSec, 8)}${pad(f.mean.toFixed(2), 9)}${pad(f.p50, 5)}${pad(f.p99, 5)}${pad(f.appCpuUs.toFixed(1), 8)}${pad(f.clientCpuUs.toFixed(1), 8)}${pad(f.non2xx, 8)}${pad(f.errors + f.timeouts, 7)}${failedRun(f) ? '  FAILED' : ''}`,
        );
      }
    }
    const medians = {} as Record<Adapter, Partial<Record<RouteName, Medians>>>;
    for (const adapter of ADAPTERS) {
      medians[adapter] = {};
      for (const name of Object.keys(states.get(adapter)!.routes) as RouteName[]) {
        const mine = runs.filter((x) => x.adapter === adapter && x.route === name);
        medians[adapter][name] = {
          reqPerSec: Math.round(median(mine.map((x) => x.reqPerSec))),
          mean: median(mine.map((x) => x.mean)),
          p50: median(mine.map((x) => x.p50)),
          p99: median(mine.map((x) => x.p99)),
          appCpuUs: round1(median(mine.map((x) => x.appCpuUs))),
          clientCpuUs: round1(median(mine.map((x) => x.clientCpuUs))),
        };
      }
    }
    const rps = (adapter: Adapter, name: RouteName) => medians[adapter]?.[name]?.reqPerSec;
    const ratio = (a: number | undefined, b: number | undefined) =>
      a !== undefined && b ? round2(a / b) : undefined;
    /**
     * The same comparison by the app's CPU time per request (a / b): information. On a machine shared
     * with other load it moves less than req/s, which also depends on how much CPU the app got.
     */
    const cpuRatio = (aa: Adapter, a: RouteName, ba: Adapter, b: RouteName) =>
      ratio(medians[aa]?.[a]?.appCpuUs, medians[ba]?.[b]?.appCpuUs) ?? 'n/a';
    // Same-round ratios, for judging noise (the targets use the medians).
    const perRound = (adapter: Adapter, a: RouteName, b: RouteName) =>
      Array.from({ length: ROUNDS }, (_, i) => {
        const get = (n: RouteName) =>
          runs.find((x) => x.round === i + 1 && x.adapter === adapter && x.route === n)?.reqPerSec;
        return ratio(get(a), get(b));
      });

    // 4. Refresh figure, per adapter -----------------------------------------------------------------
    const refresh = {} as Record<
      Adapter,
      { tokenCalls: number; ok200: number; staleStatus: number; staleExtraCalls: number }
    >;
    for (const adapter of ADAPTERS) {
      const app = states.get(adapter)!.app;
      // A 2 s access token is refreshed at half its lifetime: past that, the session needs a refresh.
      emulator.setAccessTokenTtl(2);
      let refreshCookie: string;
      try {
        refreshCookie = (await wb.loginSession(app.url, { email: USER })).cookie;
      } finally {
        emulator.setAccessTokenTtl(1800);
      }
      await sleep(1100);
      const meUrl = `${app.loopUrl}/api/me`;
      emulator.resetCalls();
      const answers = await Promise.all(
        Array.from({ length: REFRESH_CONCURRENCY }, () =>
          request(meUrl, { headers: { cookie: refreshCookie } }).then(
            (res) => res.status,
            () => 0,
          ),
        ),
      );
      const tokenCalls = emulator.calls('token', 'refresh_token');
      // The same pre-refresh cookie once more, after the refresh (a tab whose request left before the
      // new cookie arrived): information; it should reuse the refreshed tokens, not refresh again.
      const stale = await request(meUrl, { headers: { cookie: refreshCookie } });
      refresh[adapter] = {
        tokenCalls,
        ok200: answers.filter((s) => s === 200).length,
        staleStatus: stale.status,
        staleExtraCalls: emulator.calls('token', 'refresh_token') - tokenCalls,
      };
    }

    // 5. Memory, per adapter -------------------------------------------------------------------------
    log(
      `\nmemory: minting ${MEMORY_CREDENTIALS} + ${MEMORY_CREDENTIALS} bearer tokens and sealing as many sessions`,
    );
    const firstSet = await credentials(emulator, cookieStore, template!, 'a');
    const secondSet = await credentials(emulator, cookieStore, template!, 'b');
    const memory = {} as Record<Adapter, MemoryFigures>;
    for (const adapter of ADAPTERS) {
      const app = states.get(adapter)!.app;
      const st = states.get(adapter)!;
      const m = await memoryFigures(
        app,
        st.routes.session!.headers.cookie,
        st.routes.bearer!.headers.authorization,
        firstSet,
        secondSet,
      );
      memory[adapter] = m;
      for (const f of m.loads)
        if (failedRun(f))
          problems.push(
            `memory ${adapter}: ${f.non2xx} non-2xx, ${f.errors} errors, ${f.timeouts} timeouts`,
          );
      log(
        `  ${adapter}: RSS warmed up ${m.warmRssMb} MB, with 10k + 10k cached ${m.filledRssMb} MB (+${m.growthMb}), after 10k + 10k more ${m.secondRssMb} MB; entries ${m.filled.sessions?.entries}/${m.filled.bearer?.entries}`,
      );
    }

    // 6. Targets and report --------------------------------------------------------------------------
    const targets: Target[] = [];
    for (const adapter of ADAPTERS) {
      for (const cred of ['session', 'bearer'] as const) {
        const v = ratio(rps(adapter, cred), rps(adapter, 'floor'));
        targets.push({
          name: `${adapter}: /api/me (${cred}) / floor`,
          value: v,
          target: `>= ${GUARD_SHARE_TARGET}`,
          met: v !== undefined && v >= GUARD_SHARE_TARGET,
          speed: true,
          info: `rounds ${perRound(adapter, cred, 'floor').join(' ')}; by app CPU per request ${cpuRatio(adapter, 'floor', adapter, cred)}`,
        });
      }
      const gql = ratio(rps(adapter, 'gqlMe'), rps(adapter, 'gqlPing'));
      targets.push({
        name: `${adapter}: GraphQL me / ping`,
        value: gql,
        target: `>= ${GRAPHQL_TARGET}`,
        met: gql !== undefined && gql >= GRAPHQL_TARGET,
        speed: gql !== undefined,
        info:
          states.get(adapter)!.graphqlMissing ??
          `rounds ${perRound(adapter, 'gqlMe', 'gqlPing').join(' ')}; by app CPU per request ${cpuRatio(adapter, 'gqlPing', adapter, 'gqlMe')}; me / benchFloorMe ${ratio(rps(adapter, 'gqlMe'), rps(adapter, 'gqlFloor'))} (the guard's share), benchFloorMe / ping ${ratio(rps(adapter, 'gqlFloor'), rps(adapter, 'gqlPing'))} (GraphQL's)`,
      });
    }
    if (ADAPTERS.length === 2) {
      const v = ratio(rps('fastify', 'session'), rps('express', 'session'));
      targets.push({
        name: 'Fastify / Express, /api/me (session)',
        value: v,
        target: `>= ${FASTIFY_TARGET}`,
        met: v !== undefined && v >= FASTIFY_TARGET,
        speed: true,
        info: `rounds ${Array.from({ length: ROUNDS }, (_, i) => {
          const get = (a: Adapter) =>
            runs.find((x) => x.round === i + 1 && x.adapter === a && x.route === 'session')
              ?.reqPerSec;
          return ratio(get('fastify'), get('express'));
        }).join(
          ' ',
        )}; by app CPU per request ${cpuRatio('express', 'session', 'fastify', 'session')}`,
      });
    }
    for (const adapter of ADAPTERS) {
      const m = memory[adapter];
      const allCached =
        m.filled.sessions?.entries === MEMORY_CREDENTIALS &&
        m.filled.bearer?.entries === MEMORY_CREDENTIALS;
      targets.push({
        name: `${adapter}: RSS growth, 10k sessions + 10k tokens cached (MB)`,
        value: m.growthMb,
        target: `<= ${MEMORY_TARGET_MB}`,
        met: m.growthMb <= MEMORY_TARGET_MB && allCached,
        speed: false,
        info: `${m.bytesPerEntry} B per cached entry (RSS), heap +${m.heapGrowthMb} MB, RSS +${m.growthBeforeGcMb} MB before the collections; V8 heap committed ${Object.entries(
          m.committedGrowthMb,
        )
          .map(([n, mb]) => `${n} ${mb >= 0 ? '+' : ''}${mb}`)
          .join(
            ', ',
          )} MB; caches' own estimate ${m.estimatedBytesPerEntry.sessions} B/session, ${m.estimatedBytesPerEntry.bearer} B/token${allCached ? '' : '; NOT ALL CACHED'}`,
      });
      const r = refresh[adapter];
      targets.push({
        name: `${adapter}: refresh figure (${REFRESH_CONCURRENCY} concurrent on one expired session)`,
        value: r.tokenCalls,
        target: '1 token call, all 200',
        met: r.tokenCalls === 1 && r.ok200 === REFRESH_CONCURRENCY,
        speed: false,
        info: `${r.ok200}/${REFRESH_CONCURRENCY} answered 200; the stale cookie afterwards: ${r.staleStatus}, ${r.staleExtraCalls} more token call(s)`,
      });
    }

    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const loadAfter = loadavg().map(round2);

    log('\nmedians over rounds');
    log(
      `${'adapter'.padEnd(9)}${'route'.padEnd(32)}${pad('req/s', 8)}${pad('mean ms', 9)}${pad('p50', 5)}${pad('p99', 5)}${pad('app µs', 8)}${pad('load µs', 8)}${pad('/health', 9)}`,
    );
    for (const adapter of ADAPTERS) {
      for (const [name, m] of Object.entries(medians[adapter]) as [RouteName, Medians][]) {
        log(
          `${adapter.padEnd(9)}${ROUTE_LABEL[name].padEnd(32)}${pad(m.reqPerSec, 8)}${pad(m.mean.toFixed(2), 9)}${pad(m.p50, 5)}${pad(m.p99, 5)}${pad(m.appCpuUs.toFixed(1), 8)}${pad(m.clientCpuUs.toFixed(1), 8)}${pad(ratio(m.reqPerSec, rps(adapter, 'health'))!.toFixed(2), 9)}`,
        );
      }
    }
    log(
      '\nwhere the time goes (app CPU µs per request, medians; load µs: autocannon in this process)',
    );
    for (const adapter of ADAPTERS) {
      const cpu = (n: RouteName) => medians[adapter][n]?.appCpuUs;
      const diff = (a?: number, b?: number) =>
        a !== undefined && b !== undefined ? `${a - b >= 0 ? '+' : ''}${round1(a - b)}` : 'n/a';
      log(
        `  ${adapter.padEnd(8)} /health ${cpu('health')} (framework + Nest, smallest route); floor ${diff(cpu('floor'), cpu('health'))} (Nest guard/param pipeline, cookie, body); guard over floor: session ${diff(cpu('session'), cpu('floor'))}, bearer ${diff(cpu('bearer'), cpu('floor'))}; GraphQL ping ${cpu('gqlPing') ?? 'n/a'}, benchFloorMe ${diff(cpu('gqlFloor'), cpu('gqlPing'))} over ping (GraphQL's own cost of the larger answer), me ${diff(cpu('gqlMe'), cpu('gqlFloor'))} over benchFloorMe (the guard); load generator ${medians[adapter].session?.clientCpuUs} µs per /api/me`,
      );
    }
    for (const name of COMPARE ? COMPARED : []) {
      const { ours, what } = COMPARED_WITH[name];
      log(
        `  ${ROUTE_LABEL[name].replace('GET /bench/', '').padEnd(20)} ${ratio(rps('express', name), rps('express', 'health'))} of /health (info: ${what}; /api/me with the ${ours} credential is ${ratio(rps('express', ours), rps('express', name))}× as fast)`,
      );
    }

    log('\ntargets');
    for (const t of targets) {
      const value = t.value === undefined ? 'not measured' : String(t.value);
      const verdict = t.met
        ? 'OK'
        : t.value === undefined
          ? 'SHORTFALL: not measured'
          : `SHORTFALL (${t.target})`;
      log(`  ${t.name.padEnd(66)} ${value.padStart(6)}   target ${t.target.padEnd(22)} ${verdict}`);
      if (t.info) log(`  ${''.padEnd(66)} ${t.info}`);
    }
    log(
      `  total time ${seconds} s (load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')})`,
    );

    log('\nMarkdown table of this run\n');
    log(markdownTable(ADAPTERS, medians, targets, memory, refresh));

    const result = {
      date: new Date().toISOString(),
      machine: {
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadAfter,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model,
        memoryGb: round2(totalmem() / 2 ** 30),
        node: process.version,
        platform: process.platform,
      },
      config: {
        adapters: ADAPTERS,
        rounds: ROUNDS,
        metrics: METRICS,
        compare: COMPARE,
        durationSeconds: DURATION,
        warmupSeconds: WARMUP,
        connections: CONNECTIONS,
        memoryConnections: MEMORY_CONNECTIONS,
      },
      sanity,
      runs,
      medians,
      refresh,
      memory,
      targets,
      problems,
      ok: problems.length === 0 && targets.every((t) => t.met),
      totalSeconds: seconds,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    log(`\nresults written to bench-results/latest.json`);

    const missed = targets.filter((t) => !t.met);
    if (problems.length || missed.some((t) => !t.speed)) {
      log(
        `\nFAILED:\n${[...problems, ...missed.map((t) => `${t.name}: ${t.value ?? 'not measured'} (target ${t.target})`)].map((p) => `  - ${p}`).join('\n')}`,
      );
      return 1;
    }
    if (missed.length) {
      log(
        `\nran clean, but ${missed.length} speed target(s) fell short: ${missed.map((t) => t.name).join('; ')}`,
      );
      return 2;
    }
    log('\nall targets met');
    return 0;
  } catch (err) {
    console.error(`\nbench FAILED: ${(err as Error).stack ?? String(err)}`);
    for (const app of apps)
      if (app.output.length)
        console.error(`${app.adapter} app output (tail):\n${app.output.slice(-30).join('\n')}`);
    return 1;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The compared routes (BENCH_COMPARE=1, Express only). */
async function compareRoutes(
  base: string,
  template: WristbandSession,
  cookieHeader: string,
  bearerToken: string,
  sessionSecret: string,
): Promise<Partial<Record<ComparedRoute, Route>>> {
  // The same login as iron-session holds it in Wristband's demo: tokens, expiry and the user's ids.
  const iron: IronSessionData = {
    isAuthenticated: true,
    accessToken: template.accessToken,
    refreshToken: template.refreshToken,
    expiresAt: template.accessTokenExpiresAt,
    userId: template.userId,
    tenantId: template.tenantId,
    tenantName: template.tenantName,
    identityProviderName: template.identityProviderName,
    email: template.email,
    roles: [...template.roles],
    csrfToken: template.csrfToken,
  };
  const ironCookie = `${IRON_COOKIE_NAME}=${await sealData(iron, { password: sessionSecret })}`;
  return {
    ironSession: {
      url: `${base}/bench/iron-session`,
      method: 'GET',
      headers: { cookie: ironCookie },
    },
    joseEveryRequest: {
      url: `${base}/bench/jose-every-request`,
      method: 'GET',
      headers: { authorization: `Bearer ${bearerToken}` },
    },
    sealedEveryRequest: {
      url: `${base}/bench/sealed-every-request`,
      method: 'GET',
      headers: { cookie: cookieHeader },
    },
  };
}

interface Credentials {
  cookies: string[];
  bearers: string[];
}

/**
 * 10k cookie sessions (the real login session re-sealed with the app's own secret, each with its own id,
 * user id, email, name and user name: for the server they are logins of 10k users of one tenant) and 10k
 * bearer tokens minted and signed by the emulator with a distinct `sub` (and their own `jti`).
 */
async function credentials(
  emulator: WristbandEmulator,
  cookieStore: CookieSessionStore,
  template: WristbandSession,
  set: string,
): Promise<Credentials> {
  const cookies: string[] = [];
  const bearers: string[] = [];
  for (let i = 0; i < MEMORY_CREDENTIALS; i++) {
    const userId = `bench-${set}-user-${i}`;
    // What differs between the users of one tenant; the rest (tenant, application, roles) is the login's.
    const claims = {
      ...template.claims,
      sub: userId,
      email: `user-${set}-${i}@acme.test`,
      name: `Bench User ${set}${i}`,
      preferred_username: `bench-${set}-${i}`,
    };
    const session: WristbandSession = {
      ...template,
      id: randomBytes(24).toString('base64url'),
      userId,
      email: claims.email,
      claims,
      lastSeenAt: Date.now(),
    };
    cookies.push(`${SESSION_COOKIE}=${await cookieStore.write(session)}`);
    bearers.push(`Bearer ${await emulator.mintAccessToken({ claims: { sub: userId } })}`);
  }
  return { cookies, bearers };
}

interface CacheFigures {
  entries: number;
  bytes: number;
  maxEntries: number;
  maxBytes: number;
}
interface CachesAnswer {
  memory: NodeJS.MemoryUsage;
  /** V8 heap space → [committed, used] bytes. */
  heapSpaces: Record<string, [number, number]>;
  sessions?: CacheFigures;
  bearer?: CacheFigures;
}
interface MemorySample extends CachesAnswer {
  rssMb: number;
  rssBeforeGcMb: number;
}
interface MemoryFigures {
  warmRssMb: number;
  filledRssMb: number;
  secondRssMb: number;
  growthMb: number;
  heapGrowthMb: number;
  bytesPerEntry: number;
  estimatedBytesPerEntry: { sessions?: number; bearer?: number };
  /** RSS growth without the collections (information: includes garbage not yet collected). */
  growthBeforeGcMb: number;
  /** Growth of each V8 heap space's committed size, in MB (those that moved by 1 MB or more). */
  committedGrowthMb: Record<string, number>;
  warm: MemorySample;
  filled: MemorySample;
  second: MemorySample;
  loads: RunFigures[];
}

/**
 * RSS warmed up (after the rounds, and as many requests as a fill on the login's own credentials), then
 * with the first 10k + 10k
 * credentials each sent twice (all cached), then with 10k + 10k more (the caches evict). Each figure is
 * taken once the app has been idle for a second and then ran full garbage collections, so the growth is
 * memory held, not garbage V8 has not collected yet (the RSS before them is kept too).
 */
async function memoryFigures(
  app: AppProcess,
  loginCookie: string,
  loginBearer: string,
  first: Credentials,
  second: Credentials,
): Promise<MemoryFigures> {
  const pid = app.child.pid!;
  const sample = async (): Promise<MemorySample> => {
    await sleep(1000);
    const rssBeforeGcMb = rssMb(pid);
    // Twice, with pauses: V8 hands freed pages back to the system on a background thread after a GC.
    await request(`${app.loopUrl}/bench/caches?gc=1`);
    await sleep(1500);
    await request(`${app.loopUrl}/bench/caches?gc=1`);
    // Then idle until RSS settles (V8's memory reducer compacts an idle heap over several seconds).
    let rss = rssMb(pid);
    for (let waited = 0, still = 0; waited < MEMORY_SETTLE_MS && still < 3; waited += 2000) {
      await sleep(2000);
      const now = rssMb(pid);
      still = rss - now >= 1 ? 0 : still + 1;
      rss = Math.min(rss, now);
    }
    const caches = (await request(`${app.loopUrl}/bench/caches`)).json<CachesAnswer>();
    return { rssMb: rssMb(pid), rssBeforeGcMb, ...caches };
  };
  // Warmed up for this load: as many requests as a fill, on the one login's credentials (cache hits), so the
  // young generation is at the size this request rate gives it before and after the fill alike.
  const loads = [
    await sendAll(
      app,
      { cookies: [loginCookie], bearers: [loginBearer] },
      4 * first.cookies.length,
    ),
  ];
  const warm = await sample();
  loads.push(await sendAll(app, first));
  const filled = await sample();
  loads.push(await sendAll(app, second));
  const secondSample = await sample();
  const added =
    (filled.sessions?.entries ?? 0) -
    (warm.sessions?.entries ?? 0) +
    (filled.bearer?.entries ?? 0) -
    (warm.bearer?.entries ?? 0);
  const growthMb = round1(filled.rssMb - warm.rssMb);
  const perEntry = (c?: CacheFigures) =>
    c && c.entries ? Math.round(c.bytes / c.entries) : undefined;
  return {
    warmRssMb: warm.rssMb,
    filledRssMb: filled.rssMb,
    secondRssMb: secondSample.rssMb,
    growthMb,
    growthBeforeGcMb: round1(filled.rssBeforeGcMb - warm.rssBeforeGcMb),
    committedGrowthMb: Object.fromEntries(
      Object.entries(filled.heapSpaces)
        .map(([name, [size]]) => [name, round1((size - (warm.heapSpaces[name]?.[0] ?? 0)) / MB)])
        .filter(([, mb]) => Math.abs(mb as number) >= 1),
    ) as Record<string, number>,
    heapGrowthMb: round1((filled.memory.heapUsed - warm.memory.heapUsed) / MB),
    bytesPerEntry: added > 0 ? Math.round((growthMb * MB) / added) : 0,
    estimatedBytesPerEntry: {
      sessions: perEntry(filled.sessions),
      bearer: perEntry(filled.bearer),
    },
    warm,
    filled,
    second: secondSample,
    loads,
  };
}

/** Every credential twice (the second time from the cache), cookie and bearer alternating (or `amount` requests). */
async function sendAll(
  app: AppProcess,
  c: Credentials,
  amount = 4 * c.cookies.length,
): Promise<RunFigures> {
  const n = c.cookies.length;
  let i = 0;
  const r = await cannon({
    url: `${app.loopUrl}/api/me`,
    connections: MEMORY_CONNECTIONS,
    amount,
    requests: [
      {
        setupRequest: (req) => {
          const k = i++;
          const j = (k >> 1) % n;
          req.headers = k % 2 ? { authorization: c.bearers[j] } : { cookie: c.cookies[j] };
          return req;
        },
      },
    ],
  });
  return figures(app.adapter, 'session', 0, r);
}

function markdownTable(
  adapters: Adapter[],
  medians: Record<Adapter, Partial<Record<RouteName, Medians>>>,
  targets: Target[],
  memory: Record<Adapter, MemoryFigures>,
  refresh: Record<Adapter, { tokenCalls: number; ok200: number }>,
): string {
  const head = `| | ${adapters.map((a) => `${a === 'express' ? 'Express' : 'Fastify'}`).join(' | ')} |`;
  const rule = `|---|${adapters.map(() => '---').join('|')}|`;
  const rows: string[] = [];
  const cell = (m?: Medians, base?: Medians) =>
    m
      ? `${m.reqPerSec} req/s, ${m.appCpuUs} µs${base ? `, ${round2(m.reqPerSec / base.reqPerSec)}× /health` : ''}`
      : 'n/a';
  for (const name of [
    'health',
    'floor',
    'session',
    'bearer',
    'gqlPing',
    'gqlFloor',
    'gqlMe',
  ] as RouteName[])
    rows.push(
      `| \`${ROUTE_LABEL[name]}\` | ${adapters.map((a) => cell(medians[a][name], medians[a].health)).join(' | ')} |`,
    );
  const byAdapter = (suffix: string) =>
    adapters.map((a) => targets.find((t) => t.name === `${a}: ${suffix}`));
  const verdict = (t?: Target) => (t ? `**${t.value ?? 'n/a'}** ${t.met ? 'OK' : 'short'}` : 'n/a');
  rows.push(
    `| session / floor (≥ 0.95) | ${byAdapter('/api/me (session) / floor').map(verdict).join(' | ')} |`,
  );
  rows.push(
    `| bearer / floor (≥ 0.95) | ${byAdapter('/api/me (bearer) / floor').map(verdict).join(' | ')} |`,
  );
  rows.push(
    `| GraphQL me / ping (≥ 0.90) | ${byAdapter('GraphQL me / ping').map(verdict).join(' | ')} |`,
  );
  rows.push(
    `| RSS growth, 10k + 10k cached (≤ 64 MB) | ${adapters.map((a) => `**${memory[a].growthMb} MB** (${memory[a].warmRssMb} → ${memory[a].filledRssMb}; ${memory[a].bytesPerEntry} B/entry)`).join(' | ')} |`,
  );
  rows.push(
    `| refresh figure (= 1) | ${adapters.map((a) => `**${refresh[a].tokenCalls}** (${refresh[a].ok200}/50 × 200)`).join(' | ')} |`,
  );
  const fast = targets.find((t) => t.name.startsWith('Fastify / Express'));
  if (fast)
    rows.push(
      `| Fastify / Express, /api/me (session) (≥ 2) | **${fast.value}** ${fast.met ? 'OK' : 'short'} | |`,
    );
  return [head, rule, ...rows].join('\n');
}

process.exitCode = await main();
