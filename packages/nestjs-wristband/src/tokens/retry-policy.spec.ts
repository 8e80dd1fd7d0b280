import { TransientFailure, parseRetryAfter, withRetries } from './retry-policy.js';

const policy = { maxAttempts: 3, budgetMs: 1000, baseDelayMs: 1 };

describe('withRetries', () => {
  it('retries transient failures and returns the first success', async () => {
    let calls = 0;
    const result = await withRetries(policy, async () => {
      calls++;
      if (calls < 3) throw new TransientFailure('503');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls).toBe(3);
  });

  it('never retries a final failure', async () => {
    let calls = 0;
    await expect(
      withRetries(policy, async () => {
        calls++;
        throw new Error('400 invalid_client');
      }),
    ).rejects.toThrow('400 invalid_client');
    expect(calls).toBe(1);
  });

  it('gives up after maxAttempts', async () => {
    let calls = 0;
    await expect(
      withRetries(policy, async () => {
        calls++;
        throw new TransientFailure('503');
      }),
    ).rejects.toBeInstanceOf(TransientFailure);
    expect(calls).toBe(3);
  });

  it('a non-idempotent attempt that may have been processed is not repeated; one surely not processed is', async () => {
    const run = async (maybeProcessed: boolean) => {
      let calls = 0;
      await withRetries({ ...policy, idempotent: false }, async () => {
        calls++;
        if (calls === 1) throw new TransientFailure('no answer', undefined, { maybeProcessed });
        return 'ok';
      }).catch(() => undefined);
      return calls;
    };
    expect(await run(true)).toBe(1);
    expect(await run(false)).toBe(2);
    // Idempotent (the default): retried either way.
    let calls = 0;
    await withRetries(policy, async () => {
      if (++calls === 1)
        throw new TransientFailure('no answer', undefined, { maybeProcessed: true });
      return 'ok';
    });
    expect(calls).toBe(2);
  });

  it('does not wait past the budget (Retry-After longer than the budget ends at once)', async () => {
    let calls = 0;
    const started = Date.now();
    await expect(
      withRetries({ ...policy, budgetMs: 200 }, async () => {
        calls++;
        throw new TransientFailure('429', 60_000);
      }),
    ).rejects.toBeInstanceOf(TransientFailure);
    expect(calls).toBe(1);
    expect(Date.now() - started).toBeLessThan(150);
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(new Date(Date.now() + 5000).toUTCString())).toBeGreaterThan(3000);
  });
});
