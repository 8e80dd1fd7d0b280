import { WristbandConfigurationError } from '../errors/wristband-configuration.error.js';
import { loadIoredis } from './redis.connection.js';

describe('loadIoredis (ioredis is an optional peer dependency)', () => {
  it('loads ioredis when the app has it', async () => {
    const { Redis, Cluster } = await import('ioredis');
    expect(await loadIoredis()).toEqual({ Redis, Cluster });
  });

  it.each(['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'])(
    'names the missing package in a startup error (%s)',
    async (code) => {
      const missing = () =>
        Promise.reject(Object.assign(new Error("Cannot find package 'ioredis'"), { code }));
      const error = await loadIoredis(missing).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(WristbandConfigurationError);
      expect((error as WristbandConfigurationError).problems).toHaveLength(1);
      expect((error as WristbandConfigurationError).problems[0]).toMatch(
        /"ioredis" is not installed: run `npm install ioredis`/,
      );
    },
  );

  it('lets any other loading failure through as it is', async () => {
    const broken = new Error('ioredis failed to initialise');
    await expect(loadIoredis(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});
