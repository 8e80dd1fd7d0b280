/**
 * `npm run bench` (issue 6): what the guard costs, measured on the production build.
 *
 * 1. Starts the Wristband emulator in-process and the app (the production build in `dist/`, set up as
 *    `dist/main.js` does, via scripts/bench-app.ts; NODE_ENV unset) as a child process, both on free
 *    loopback ports.
 * 2. Logs in once through the real flow and gets a bearer token from `/auth/token`.
 * 3. Warm-up, then ROUNDS rounds of autocannon on `/health` (unguarded), `/api/me` with the session
 *    cookie, `/api/me` with the bearer token and the reference route `/bench/floor` (a no-op guard,
 *    `@CurrentUser()`, the session cookie, /api/me's body: see scripts/bench-app.ts), the order rotated
 *    each round. Prints req/s, p50, p99 and the app's CPU µs per request per route per round, the
 *    medians, `session / unguarded`, `bearer / unguarded` from the medians (the targets), the floor
 *    ratio and the guard's own CPU cost per request above the floor (information).
 *    Any non-2xx answer, socket error or timeout fails the run (a failing route is not a fast one).
 * 4. Refresh figure: a second real session with a 2 s access token, past half its lifetime (when the
 *    guard refreshes it), 50 concurrent `/api/me` → number of `refresh_token` calls Wristband received (must be 1).
 * 5. Memory: the app's RSS before and after MEMORY_BATCHES (3) batches of 100k requests, each batch
 *    over 20k credentials never seen before (see `memoryBatch`), so every bounded cache fills and then
 *    evicts. The first batch grows the heap to its working size; the last one must not grow it.
 * 6. Writes `bench-results/latest.json`.
 *
 * Exit code: 0 when everything ran clean and every target was met; 1 when a run had errors or a check
 * failed (refresh figure, memory); 2 when everything ran clean but a speed ratio missed its target.
 *
 * Knobs (env): BENCH_ROUNDS (5, at least 3), BENCH_DURATION (3 s per route per round), BENCH_WARMUP
 * (2 s per route), BENCH_CONNECTIONS (10), BENCH_MEMORY_BATCHES (3), BENCH_MEMORY_REQUESTS (100000 per
 * batch), BENCH_CPU_PROF=1 (writes V8 CPU profiles of the app to bench-results/prof/: the `.0.` file is the
 * main thread, the other one the TypeScript loader thread of scripts/bench-app.ts), BENCH_COMPARE=1 (adds
 * the other approaches issue 6 names to the rounds, see scripts/bench-compare.ts: iron-session as
 * Wristband's demo uses it, jose on every request, this module's cookie opened on every request; about
 * 50 s more).
 *
 * The machine's load average is printed before and after: on a shared machine other processes take
 * CPU from the app and from autocannon, which is why routes are interleaved and medians are used.
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
import { CookieSealer } from '../packages/nestjs-wristband/src/session/cookie-sealer.js';
import { CookieSessionStore } from '../packages/nestjs-wristband/src/session/cookie-session.store.js';
import { IRON_COOKIE_NAME, type IronSessionData } from './bench-compare.js';
import type { WristbandSession } from 'nestjs-wristband';
import {
  CookieJar,
  request,
  startEmulator,
  type WristbandEmulator,
} from 'nestjs-wristband/testing';
import {
  appEnv,
  CLIENT_ID,
  CLIENT_SECRET,
  freePort,
  login,
  SESSION_SECRET,
  type TestApp,
} from '../test/support/test-stack.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS_DIR = join(ROOT, 'bench-results');
const SESSION_COOKIE = 'wb_session';

const num = (name: string, dflt: number) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const ROUNDS = Math.max(3, Math.floor(num('BENCH_ROUNDS', 5)));
const DURATION = num('BENCH_DURATION', 3);
const WARMUP = num('BENCH_WARMUP', 2);
const CONNECTIONS = Math.floor(num('BENCH_CONNECTIONS', 10));
const MEMORY_REQUESTS = Math.floor(num('BENCH_MEMORY_REQUESTS', 100_000));
const MEMORY_BATCHES = Math.max(2, Math.floor(num('BENCH_MEMORY_BATCHES', 3)));
const MEMORY_CONNECTIONS = 20;
const REFRESH_CONCURRENCY = 50;
const TARGET_RATIO = 0.95;
/**
 * RSS growth over the last memory batch above which memory counts as still growing. The first batch
 * grows the V8 heap to its working size (every cache fills); later batches must be flat.
 */
const MEMORY_GROWTH_LIMIT_MB = 16;
const COMPARE = process.env.BENCH_COMPARE === '1';

type RouteName = 'unguarded' | 'session' | 'bearer' | 'floor' | ComparedRoute;
/** The other approaches (BENCH_COMPARE=1): information beside the targets, never targets themselves. */
type ComparedRoute = 'ironSession' | 'joseEveryRequest' | 'sealedEveryRequest';
const COMPARED: ComparedRoute[] = ['ironSession', 'joseEveryRequest', 'sealedEveryRequest'];
const ROUTE_LABEL: Record<RouteName, string> = {
  unguarded: 'GET /health (unguarded)',
  session: 'GET /api/me (session cookie)',
  bearer: 'GET /api/me (bearer token)',
  floor: 'GET /bench/floor (no-op guard)',
  ironSession: 'GET /bench/iron-session',
  joseEveryRequest: 'GET /bench/jose-every-request',
  sealedEveryRequest: 'GET /bench/sealed-every-request',
};
/** What each compared route does, and which of ours it compares with. */
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

interface RunFigures {
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
  non2xx: number;
  errors: number;
  timeouts: number;
}

const log = (...args: unknown[]) => console.log(...args);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round2 = (x: number) => Math.round(x * 100) / 100;
const pad = (s: string | number, n: number) => String(s).padStart(n);

// ---------------------------------------------------------------------------------------------------
// App child process

interface AppProcess {
  child: ChildProcess;
  port: number;
  url: string; // http://localhost:PORT (cookie domain of the login flow)
  loopUrl: string; // http://127.0.0.1:PORT (what autocannon hits)
  output: string[];
}

function startApp(emulator: WristbandEmulator, port: number): AppProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...appEnv(emulator, port), HOST: '127.0.0.1' };
  delete env.NODE_ENV; // production build, but the dangerous-http flag refuses NODE_ENV=production
  const nodeArgs: string[] = [];
  if (process.env.BENCH_CPU_PROF === '1') {
    // The profile is written on a normal exit; Nest's shutdown hooks end the process with the signal
    // instead, so profiling runs stop the app with SIGUSR2 → process.exit(0).
    nodeArgs.push(
      '--cpu-prof',
      `--cpu-prof-dir=${join(RESULTS_DIR, 'prof')}`,
      '--import',
      'data:text/javascript,process.on("SIGUSR2",()=>process.exit(0))',
    );
  }
  // scripts/bench-app.ts: dist/main.js's setup of the production build plus the reference route.
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
    child,
    port,
    url: `http://localhost:${port}`,
    loopUrl: `http://127.0.0.1:${port}`,
    output,
  };
}

async function waitForHealth(app: AppProcess, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (app.child.exitCode !== null || app.child.signalCode !== null) {
      throw new Error(
        `app exited during startup (code ${app.child.exitCode}):\n${app.output.join('\n')}`,
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
  throw new Error(`app did not answer /health within ${timeoutMs} ms:\n${app.output.join('\n')}`);
}

async function stopApp(app: AppProcess | undefined): Promise<void> {
  if (!app || app.child.exitCode !== null || app.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => app.child.once('exit', () => r()));
  // SIGINT: Nest's shutdown hooks close the app.
  app.child.kill(process.env.BENCH_CPU_PROF === '1' ? 'SIGUSR2' : 'SIGINT');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error('VmRSS not found');
  return Math.round((Number(m[1]) / 1024) * 10) / 10;
}

// ---------------------------------------------------------------------------------------------------
// Load

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolvePromise, reject) => {
    const instance = autocannon(opts, (err, result) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolvePromise(result),
    );
    // No progress bar / table: the script prints its own.
    void instance;
  });
}

async function drive(
  url: string,
  headers: Record<string, string>,
  seconds: number,
): Promise<autocannon.Result> {
  return cannon({ url, headers, connections: CONNECTIONS, duration: seconds, pipelining: 1 });
}

/** User + system CPU time of a process so far, in µs (from /proc: Linux only, like the RSS figures). */
function cpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}
const CLOCK_TICKS = 100;

function figures(route: RouteName, roundNo: number, r: autocannon.Result, appCpu = 0): RunFigures {
  return {
    route,
    round: roundNo,
    // All requests over the run's measured length, rather than autocannon's mean of its few per-second samples.
    reqPerSec: r.duration > 0 ? Math.round(r.requests.total / r.duration) : 0,
    mean: round2(r.latency.mean),
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    appCpuUs: r.requests.total ? round2(appCpu / r.requests.total) : 0,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

const failedRun = (f: Pick<RunFigures, 'non2xx' | 'errors' | 'timeouts'>) =>
  f.non2xx + f.errors + f.timeouts > 0;

// ---------------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const started = Date.now();
  const loadBefore = loadavg().map(round2);
  log(
    `machine: ${cpus().length} CPUs, load average ${loadBefore.join(' ')}${loadBefore[0] > cpus().length ? '  (busy machine: figures will be noisy)' : ''}`,
  );
  const problems: string[] = [];
  let emulator: WristbandEmulator | undefined;
  let app: AppProcess | undefined;

  const cleanup = async () => {
    await stopApp(app).catch(() => undefined);
    await emulator?.close().catch(() => undefined);
  };
  const onSignal = () => {
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    // 1. Emulator + app ------------------------------------------------------------------------------
    const port = await freePort();
    emulator = await startEmulator({
      clients: [
        {
          clientId: CLIENT_ID,
          clientSecret: CLIENT_SECRET,
          redirectUris: [`http://localhost:${port}/auth/callback`],
          loginUrl: `http://localhost:${port}/auth/login`,
        },
      ],
    });
    app = startApp(emulator, port);
    await waitForHealth(app);
    const appRef = { url: app.url, port } as TestApp;
    log(`app pid ${app.child.pid} on ${app.loopUrl}, emulator on ${emulator.url}`);

    // 2. One real login, then a bearer token from /auth/token -----------------------------------------
    const { jar, callback } = await login({ emulator }, appRef);
    if (callback.status !== 302)
      throw new Error(`login callback answered ${callback.status}: ${callback.text}`);
    const cookieHeader = jar.cookieHeader(`${app.url}/api/me`);
    const sessionCookie = jar.get(`${app.url}/api/me`, SESSION_COOKIE);
    if (!cookieHeader || !sessionCookie) throw new Error('login did not leave a session cookie');
    const tokenRes = await request(`${app.url}/auth/token`, { jar });
    if (tokenRes.status !== 200)
      throw new Error(`/auth/token answered ${tokenRes.status}: ${tokenRes.text}`);
    const accessToken = tokenRes.json<{ accessToken: string }>().accessToken;

    // Real template session: open the real login's cookie with the app's own secret.
    const cookieStore = new CookieSessionStore(new CookieSealer([SESSION_SECRET]));
    const template = cookieStore.readSync(sessionCookie);
    if (!template) throw new Error('could not open the session cookie with SESSION_SECRET');

    const routes: Partial<Record<RouteName, { url: string; headers: Record<string, string> }>> = {
      unguarded: { url: `${app.loopUrl}/health`, headers: {} },
      session: { url: `${app.loopUrl}/api/me`, headers: { cookie: cookieHeader } },
      bearer: { url: `${app.loopUrl}/api/me`, headers: { authorization: `Bearer ${accessToken}` } },
      floor: { url: `${app.loopUrl}/bench/floor`, headers: { cookie: cookieHeader } },
    };
    if (COMPARE) {
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
      const ironCookie = `${IRON_COOKIE_NAME}=${await sealData(iron, { password: SESSION_SECRET })}`;
      routes.ironSession = {
        url: `${app.loopUrl}/bench/iron-session`,
        headers: { cookie: ironCookie },
      };
      routes.joseEveryRequest = {
        url: `${app.loopUrl}/bench/jose-every-request`,
        headers: routes.bearer!.headers,
      };
      routes.sealedEveryRequest = {
        url: `${app.loopUrl}/bench/sealed-every-request`,
        headers: { cookie: cookieHeader },
      };
    }
    const order = Object.keys(routes) as RouteName[];
    const route = (name: RouteName) => routes[name]!;
    // The reference route answers exactly what /api/me answers.
    const meBody = (await request(route('session').url, { headers: route('session').headers }))
      .text;
    const setFloor = await request(`${app.loopUrl}/bench/floor`, {
      method: 'PUT',
      body: JSON.parse(meBody) as Record<string, unknown>,
    });
    if (setFloor.status !== 200)
      throw new Error(`PUT /bench/floor answered ${setFloor.status}: ${setFloor.text}`);
    // Sanity: each route answers 200 with the expected body before anything is timed.
    const sanity: Record<string, unknown> = {
      sessionCookieChars: sessionCookie.length,
      bearerTokenChars: accessToken.length,
    };
    for (const name of order) {
      const res = await request(route(name).url, { headers: route(name).headers });
      if (res.status !== 200)
        throw new Error(`${ROUTE_LABEL[name]} answered ${res.status}: ${res.text}`);
      if (name !== 'unguarded' && res.json<{ userId?: string }>().userId === undefined) {
        throw new Error(`${ROUTE_LABEL[name]} has no userId: ${res.text}`);
      }
      // The reference and compared routes answer the session's /api/me body (the bearer one has fewer claims).
      if (name !== 'unguarded' && name !== 'bearer' && res.text !== meBody) {
        throw new Error(`${ROUTE_LABEL[name]} body differs from /api/me: ${res.text}`);
      }
      sanity[name] = {
        status: res.status,
        setCookieHeaders: res.headers['set-cookie']?.length ?? 0,
      };
    }

    // 3. Warm-up, then interleaved rounds ------------------------------------------------------------
    log(`warm-up: ${WARMUP} s per route, ${CONNECTIONS} connections`);
    for (const name of order) {
      const r = await drive(route(name).url, route(name).headers, WARMUP);
      const f = figures(name, 0, r);
      if (failedRun(f))
        problems.push(
          `warm-up ${ROUTE_LABEL[name]}: ${f.non2xx} non-2xx, ${f.errors} errors, ${f.timeouts} timeouts`,
        );
    }

    log(
      `\nmeasure: ${ROUNDS} rounds × ${order.length} routes × ${DURATION} s, ${CONNECTIONS} connections, order rotated per round`,
    );
    log(
      `${'round'.padEnd(6)}${'route'.padEnd(34)}${pad('req/s', 8)}${pad('mean ms', 9)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('cpu µs', 8)}${pad('non2xx', 8)}${pad('errors', 8)}`,
    );
    const runs: RunFigures[] = [];
    const appPid = app.child.pid!;
    for (let r = 1; r <= ROUNDS; r++) {
      const rotated = order.map((_, i) => order[(i + r - 1) % order.length]);
      for (const name of rotated) {
        const cpuBefore = cpuUs(appPid);
        const result = await drive(route(name).url, route(name).headers, DURATION);
        const f = figures(name, r, result, cpuUs(appPid) - cpuBefore);
        runs.push(f);
        if (failedRun(f))
          problems.push(
            `round ${r} ${ROUTE_LABEL[name]}: ${f.non2xx} non-2xx, ${f.errors} errors, ${f.timeouts} timeouts`,
          );
        log(
          `${String(r).padEnd(6)}${ROUTE_LABEL[name].padEnd(34)}${pad(f.reqPerSec, 8)}${pad(f.mean.toFixed(2), 9)}${pad(f.p50, 8)}${pad(f.p99, 8)}${pad(f.appCpuUs.toFixed(1), 8)}${pad(f.non2xx, 8)}${pad(f.errors + f.timeouts, 8)}${failedRun(f) ? '  FAILED' : ''}`,
        );
      }
    }
    const medians = Object.fromEntries(
      order.map((name) => {
        const mine = runs.filter((x) => x.route === name);
        return [
          name,
          {
            reqPerSec: Math.round(median(mine.map((x) => x.reqPerSec))),
            mean: median(mine.map((x) => x.mean)),
            p50: median(mine.map((x) => x.p50)),
            p99: median(mine.map((x) => x.p99)),
            appCpuUs: median(mine.map((x) => x.appCpuUs)),
          },
        ];
      }),
    ) as Record<
      RouteName,
      { reqPerSec: number; mean: number; p50: number; p99: number; appCpuUs: number }
    >;
    /** Each compared route against `/health` and against our guard on the same credential kind (medians). */
    const comparison = COMPARE
      ? Object.fromEntries(
          COMPARED.map((name) => {
            const { ours, what } = COMPARED_WITH[name];
            return [
              name,
              {
                what,
                toUnguarded: round2(medians[name].reqPerSec / medians.unguarded.reqPerSec),
                oursRoute: ours,
                oursTimesFaster: round2(medians[ours].reqPerSec / medians[name].reqPerSec),
              },
            ];
          }),
        )
      : undefined;
    const ratios = {
      session: round2(medians.session.reqPerSec / medians.unguarded.reqPerSec),
      bearer: round2(medians.bearer.reqPerSec / medians.unguarded.reqPerSec),
      /** Not a target: what a guard that does nothing reaches with the same cookie and body. */
      floor: round2(medians.floor.reqPerSec / medians.unguarded.reqPerSec),
      /** Not targets: the guarded routes against that floor, i.e. the share of the guard itself. */
      sessionToFloor: round2(medians.session.reqPerSec / medians.floor.reqPerSec),
      bearerToFloor: round2(medians.bearer.reqPerSec / medians.floor.reqPerSec),
    };
    /** App CPU per request above the reference route, from the medians: what the guard itself costs. */
    const guardCpuUs = {
      session: round2(medians.session.appCpuUs - medians.floor.appCpuUs),
      bearer: round2(medians.bearer.appCpuUs - medians.floor.appCpuUs),
    };
    // Same-round ratios, for judging noise (the targets use the medians).
    const perRoundRatios = Array.from({ length: ROUNDS }, (_, i) => {
      const get = (n: RouteName) => runs.find((x) => x.round === i + 1 && x.route === n)!.reqPerSec;
      return {
        round: i + 1,
        session: round2(get('session') / get('unguarded')),
        bearer: round2(get('bearer') / get('unguarded')),
        floor: round2(get('floor') / get('unguarded')),
      };
    });

    // 4. Refresh figure ------------------------------------------------------------------------------
    // A 2 s access token is refreshed at half its lifetime: past that, the session needs a refresh.
    emulator.setAccessTokenTtl(2);
    let refreshJar: CookieJar;
    try {
      refreshJar = (await login({ emulator }, appRef)).jar;
    } finally {
      emulator.setAccessTokenTtl(1800);
    }
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refreshCookie = refreshJar.cookieHeader(`${app.url}/api/me`)!;
    const meUrl = `${app.loopUrl}/api/me`;
    emulator.resetCalls();
    const refreshAnswers = await Promise.all(
      Array.from({ length: REFRESH_CONCURRENCY }, () =>
        request(meUrl, { headers: { cookie: refreshCookie } }).then(
          (res) => ({
            status: res.status,
            resealed: (res.headers['set-cookie'] ?? []).some((c) =>
              c.startsWith(`${SESSION_COOKIE}=`),
            ),
          }),
          () => ({ status: 0, resealed: false }),
        ),
      ),
    );
    const refresh = {
      concurrentRequests: REFRESH_CONCURRENCY,
      tokenCalls: emulator.calls('token', 'refresh_token'),
      ok200: refreshAnswers.filter((a) => a.status === 200).length,
      resealedCookies: refreshAnswers.filter((a) => a.resealed).length,
    };
    // One more request with the pre-refresh cookie, after the refresh finished (a browser tab whose
    // parallel request left before the new cookie arrived). Informational: it should reuse the
    // refreshed tokens (200, no new token call), not refresh again with a rotated refresh token.
    const staleRes = await request(meUrl, { headers: { cookie: refreshCookie } });
    const staleCookieAfterRefresh = {
      status: staleRes.status,
      extraTokenCalls: emulator.calls('token', 'refresh_token') - refresh.tokenCalls,
    };
    if (refresh.ok200 !== REFRESH_CONCURRENCY)
      problems.push(`refresh: only ${refresh.ok200}/${REFRESH_CONCURRENCY} answered 200`);
    if (refresh.tokenCalls !== 1)
      problems.push(`refresh: ${refresh.tokenCalls} refresh_token calls (expected 1)`);

    // 5. Memory --------------------------------------------------------------------------------------
    const pid = app.child.pid!;
    const memory: {
      phase: string;
      rssMb: number;
      requests?: number;
      sessions?: number;
      bearerTokens?: number;
      reqPerSec?: number;
    }[] = [];
    await sleep(500);
    memory.push({ phase: 'before', rssMb: rssMb(pid) });
    log(
      `\nmemory: ${MEMORY_BATCHES} batches × ${MEMORY_REQUESTS} requests, each over 10k new cookie sessions + 10k new bearer tokens`,
    );
    for (let batch = 1; batch <= MEMORY_BATCHES; batch++) {
      const b = await memoryBatch(emulator, cookieStore, template, `${app.loopUrl}/api/me`, batch);
      if (failedRun(b))
        problems.push(
          `memory batch ${batch}: ${b.non2xx} non-2xx, ${b.errors} errors, ${b.timeouts} timeouts`,
        );
      await sleep(500);
      memory.push({
        phase: `after batch ${batch}`,
        rssMb: rssMb(pid),
        requests: b.requests,
        sessions: b.sessions,
        bearerTokens: b.bearerTokens,
        reqPerSec: b.reqPerSec,
      });
      log(
        `  batch ${batch}: ${b.requests} requests (${b.reqPerSec} req/s), ${b.non2xx} non-2xx, ${b.errors + b.timeouts} errors`,
      );
    }
    const last = memory[memory.length - 1];
    const growthMb = round2(last.rssMb - memory[memory.length - 2].rssMb);
    const memoryBounded = growthMb <= MEMORY_GROWTH_LIMIT_MB;
    if (!memoryBounded)
      problems.push(
        `memory: RSS grew ${growthMb} MB over the last batch (limit ${MEMORY_GROWTH_LIMIT_MB} MB)`,
      );

    // 6. Report --------------------------------------------------------------------------------------
    const targets = {
      sessionRatio: {
        value: ratios.session,
        target: `>= ${TARGET_RATIO}`,
        met: ratios.session >= TARGET_RATIO,
      },
      bearerRatio: {
        value: ratios.bearer,
        target: `>= ${TARGET_RATIO}`,
        met: ratios.bearer >= TARGET_RATIO,
      },
      refreshFigure: { value: refresh.tokenCalls, target: '1', met: refresh.tokenCalls === 1 },
      memoryBounded: {
        value: growthMb,
        target: `<= ${MEMORY_GROWTH_LIMIT_MB} MB growth over the last batch`,
        met: memoryBounded,
      },
    };
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const loadAfter = loadavg().map(round2);

    log('\nmedians over rounds');
    log(
      `${'route'.padEnd(34)}${pad('req/s', 8)}${pad('mean ms', 9)}${pad('p50 ms', 8)}${pad('p99 ms', 8)}${pad('cpu µs', 8)}`,
    );
    for (const name of order) {
      const m = medians[name];
      log(
        `${ROUTE_LABEL[name].padEnd(34)}${pad(m.reqPerSec, 8)}${pad(m.mean.toFixed(2), 9)}${pad(m.p50, 8)}${pad(m.p99, 8)}${pad(m.appCpuUs.toFixed(1), 8)}`,
      );
    }
    log(
      `\nper-round ratios (session, bearer, floor): ${perRoundRatios.map((p) => `r${p.round} ${p.session.toFixed(2)}/${p.bearer.toFixed(2)}/${p.floor.toFixed(2)}`).join(', ')}`,
    );
    log('\nsummary');
    log(
      `  session / unguarded   ${ratios.session.toFixed(2)}   (target >= ${TARGET_RATIO}) ${targets.sessionRatio.met ? 'OK' : 'BELOW TARGET'}`,
    );
    log(
      `  bearer  / unguarded   ${ratios.bearer.toFixed(2)}   (target >= ${TARGET_RATIO}) ${targets.bearerRatio.met ? 'OK' : 'BELOW TARGET'}`,
    );
    log(
      `  floor   / unguarded   ${ratios.floor.toFixed(2)}   (info: no-op guard + @CurrentUser + same cookie and body: what a guard that does nothing costs)`,
    );
    log(
      `  session / floor       ${ratios.sessionToFloor.toFixed(2)}, bearer / floor ${ratios.bearerToFloor.toFixed(2)}   (info: the guard's own share; the bearer route sends its 1 KB token instead of the cookie)`,
    );
    log(
      `  guard CPU per request session ${guardCpuUs.session >= 0 ? '+' : ''}${guardCpuUs.session} µs, bearer ${guardCpuUs.bearer >= 0 ? '+' : ''}${guardCpuUs.bearer} µs over the floor route (app CPU, medians)`,
    );
    for (const [name, c] of Object.entries(comparison ?? {})) {
      log(
        `  ${ROUTE_LABEL[name as ComparedRoute].replace('GET /bench/', '').padEnd(20)} ${c.toUnguarded.toFixed(2)}   (info: ${c.what}; /api/me with the ${c.oursRoute === 'session' ? 'session cookie' : 'bearer token'} is ${c.oursTimesFaster.toFixed(2)}× as fast)`,
      );
    }
    log(
      `  refresh figure        ${refresh.tokenCalls}      (${REFRESH_CONCURRENCY} concurrent requests on an expired session → token calls; ${refresh.ok200}/${REFRESH_CONCURRENCY} answered 200) ${targets.refreshFigure.met && refresh.ok200 === REFRESH_CONCURRENCY ? 'OK' : 'FAILED'}`,
    );
    log(
      `  stale cookie after    ${staleCookieAfterRefresh.status}, ${staleCookieAfterRefresh.extraTokenCalls} more token call(s)   (info: same pre-refresh cookie sent once the refresh is done)`,
    );
    log(
      `  app RSS (MB)          ${memory.map((m) => `${m.phase} ${m.rssMb}`).join(', ')} (last batch: ${growthMb >= 0 ? '+' : ''}${growthMb}) ${memoryBounded ? 'OK' : 'GROWING'}`,
    );
    log(
      `  total time            ${seconds} s (load average before ${loadBefore.join(' ')}, after ${loadAfter.join(' ')})`,
    );

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
        rounds: ROUNDS,
        compare: COMPARE,
        durationSeconds: DURATION,
        warmupSeconds: WARMUP,
        connections: CONNECTIONS,
        memoryRequestsPerBatch: MEMORY_REQUESTS,
        memoryConnections: MEMORY_CONNECTIONS,
      },
      sanity,
      runs,
      medians,
      ratios,
      guardCpuUs,
      comparison,
      perRoundRatios,
      refresh: { ...refresh, staleCookieAfterRefresh },
      memory: {
        credentials:
          'per batch: 10,000 new cookie sessions (real login session re-sealed with the app secret, new id/userId) + 10,000 new bearer tokens minted and signed by the emulator (sub user-N)',
        samples: memory,
        growthLastBatchMb: growthMb,
      },
      targets,
      problems,
      ok: problems.length === 0,
      totalSeconds: seconds,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(join(RESULTS_DIR, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    log(`\nresults written to bench-results/latest.json`);

    if (problems.length) {
      log(`\nFAILED:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
      return 1;
    }
    if (!targets.sessionRatio.met || !targets.bearerRatio.met) {
      log('\nran clean, but a speed ratio is below target');
      return 2;
    }
    return 0;
  } catch (err) {
    console.error(`\nbench FAILED: ${(err as Error).stack ?? String(err)}`);
    if (app?.output.length)
      console.error(`app output (tail):\n${app.output.slice(-30).join('\n')}`);
    return 1;
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/**
 * 100k requests over 20k credentials never seen before: 10k cookie sessions (the real login session
 * re-sealed with the app's own secret, with a new id and userId each: for the server they are
 * indistinguishable from real logins) and 10k bearer tokens minted and signed by the emulator with a
 * distinct `sub`. 20k real logins would take minutes. Requests alternate cookie / bearer and walk
 * the credentials round-robin, so every cache sees far more keys than it may hold.
 */
async function memoryBatch(
  emulator: WristbandEmulator,
  cookieStore: CookieSessionStore,
  template: WristbandSession,
  url: string,
  batch: number,
): Promise<RunFigures & { sessions: number; bearerTokens: number }> {
  const N = 10_000;
  const cookies: string[] = [];
  const bearers: string[] = [];
  for (let i = 0; i < N; i++) {
    const userId = `bench-b${batch}-user-${i}`;
    const session: WristbandSession = {
      ...template,
      id: randomBytes(24).toString('base64url'),
      userId,
      lastSeenAt: Date.now(),
    };
    cookies.push(`${SESSION_COOKIE}=${await cookieStore.write(session)}`);
    bearers.push(`Bearer ${await emulator.mintAccessToken({ claims: { sub: userId } })}`);
  }
  let n = 0;
  const r = await cannon({
    url,
    connections: MEMORY_CONNECTIONS,
    amount: MEMORY_REQUESTS,
    requests: [
      {
        setupRequest: (req) => {
          const i = n++;
          const k = (i >> 1) % N;
          req.headers = i % 2 ? { authorization: bearers[k] } : { cookie: cookies[k] };
          return req;
        },
      },
    ],
  });
  return { ...figures('session', batch, r), sessions: N, bearerTokens: N };
}

process.exitCode = await main();
