import { RedisTestServer, request, type HttpResponse } from 'nestjs-wristband/testing';
import { startStack, type TestStack } from './support/test-stack.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The readiness result is reused this long (WristbandHealthIndicator's default), plus a margin. */
const CACHE_MS = 5_000 + 300;

interface TerminusBody {
  status: 'ok' | 'error';
  info: Record<string, { status: string }>;
  error: Record<string, { status: string; message?: string }>;
  details: Record<string, { status: string }>;
}

const body = (res: HttpResponse) => res.json<TerminusBody>();

/** Polls readiness until it answers `status` (the result may be cached), at most `ms`. */
async function readyUntil(
  url: string,
  status: number,
  ms = CACHE_MS + 3_000,
): Promise<HttpResponse> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await request(`${url}/health/ready`);
    if (res.status === status || Date.now() > deadline) return res;
    await sleep(250);
  }
}

describe('GET /health/ready (terminus)', () => {
  let redis: RedisTestServer;
  let stack: TestStack;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    stack = await startStack({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await stack?.close();
    await redis?.dispose();
  });
  afterEach(() => stack.emulator.clearFaults());

  it('is 200 with wristband and redis up; GET /health never calls Wristband', async () => {
    const res = await readyUntil(stack.app.url, 200);
    expect(res.status).toBe(200);
    expect(body(res)).toMatchObject({
      status: 'ok',
      info: { wristband: { status: 'up' }, redis: { status: 'up' } },
      error: {},
    });
    const jwksCalls = stack.emulator.calls('jwks');
    for (let i = 0; i < 5; i++) expect((await request(`${stack.app.url}/health`)).status).toBe(200);
    expect(stack.emulator.calls('jwks')).toBe(jwksCalls);
  });

  it('caches the Wristband probe: a burst of probes makes at most one JWKS call', async () => {
    await sleep(CACHE_MS);
    const before = stack.emulator.calls('jwks');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => request(`${stack.app.url}/health/ready`)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(stack.emulator.calls('jwks') - before).toBe(1);
  });

  it('answers 503 naming wristband while its JWKS endpoint fails, and recovers by itself', async () => {
    stack.emulator.injectFault({ endpoint: 'jwks', status: 503, times: Infinity });
    const down = await readyUntil(stack.app.url, 503);
    expect(down.status).toBe(503);
    expect(body(down)).toMatchObject({
      status: 'error',
      error: { wristband: { status: 'down', message: expect.stringContaining('503') } },
      info: { redis: { status: 'up' } },
    });
    stack.emulator.clearFaults();
    const up = await readyUntil(stack.app.url, 200);
    expect(up.status).toBe(200);
    expect(body(up).info.wristband).toEqual(expect.objectContaining({ status: 'up' }));
  }, 30_000);

  it('answers 503 naming wristband when the JWKS endpoint does not answer within 2 s', async () => {
    await sleep(CACHE_MS);
    stack.emulator.injectFault({ endpoint: 'jwks', delayMs: 4_000, times: 1 });
    const started = Date.now();
    const res = await request(`${stack.app.url}/health/ready`);
    expect(res.status).toBe(503);
    expect(body(res).error.wristband.message).toMatch(/within 2000 ms/);
    expect(Date.now() - started).toBeLessThan(3_500);
  }, 30_000);

  it('answers 503 naming redis while Redis is stopped, and recovers when it is back', async () => {
    await readyUntil(stack.app.url, 200);
    await redis.stop();
    try {
      const down = await readyUntil(stack.app.url, 503, 5_000);
      expect(down.status).toBe(503);
      expect(body(down)).toMatchObject({
        status: 'error',
        error: { redis: { status: 'down' } },
        info: { wristband: { status: 'up' } },
      });
    } finally {
      await redis.start();
    }
    const up = await readyUntil(stack.app.url, 200, 10_000);
    expect(up.status).toBe(200);
    expect(body(up).info.redis).toEqual({ status: 'up' });
  }, 30_000);
});

describe('GET /health/ready without Redis', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  it('checks Wristband only', async () => {
    const res = await request(`${stack.app.url}/health/ready`);
    expect(res.status).toBe(200);
    expect(Object.keys(body(res).details)).toEqual(['wristband']);
  });
});
