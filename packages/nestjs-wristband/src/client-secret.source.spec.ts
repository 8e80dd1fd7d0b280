import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLIENT_SECRET_RELOAD_INTERVAL_MS,
  ClientSecretSource,
  readClientSecretFile,
} from './client-secret.source.js';
import { WristbandConfigurationError } from './errors/wristband-configuration.error.js';
import { wristbandOptionsFromEnv } from './wristband-options.from-env.js';
import { resolveWristbandOptions } from './wristband-options.validator.js';

const OLD = 'old-client-secret-0123456789';
const NEW = 'new-client-secret-9876543210';

/** Keeps what the source logs, by level. */
class RecordingLogger extends Logger {
  readonly lines: { level: string; message: string }[] = [];
  override debug(message: string): void {
    this.lines.push({ level: 'debug', message });
  }
  override warn(message: string): void {
    this.lines.push({ level: 'warn', message });
  }
  reads(): number {
    return this.lines.filter((l) => l.message.includes('reading the client secret file')).length;
  }
  warnings(): string[] {
    return this.lines.filter((l) => l.level === 'warn').map((l) => l.message);
  }
}

describe('ClientSecretSource', () => {
  let dir: string;
  let file: string;
  let logger: RecordingLogger;
  let now: number;
  const source = (path: string | undefined = file) =>
    new ClientSecretSource(OLD, path, logger, () => now);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wb-secret-'));
    file = join(dir, 'client-secret');
    writeFileSync(file, `${OLD}\n`);
    logger = new RecordingLogger();
    now = 1_000_000;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file at startup without its trailing newline; empty or missing files are named problems without content', () => {
    expect(readClientSecretFile(file)).toEqual({ secret: OLD });
    writeFileSync(file, `${NEW}\r\n`);
    expect(readClientSecretFile(file)).toEqual({ secret: NEW });
    writeFileSync(file, '\n');
    expect(readClientSecretFile(file)).toEqual({ problem: 'names an empty file' });
    expect(readClientSecretFile(join(dir, 'missing'))).toEqual({
      problem: 'names a file that cannot be read (ENOENT)',
    });
    expect(readClientSecretFile(dir)).toEqual({
      problem: 'names a file that cannot be read (EISDIR)',
    });
  });

  it('twenty rejected calls at once share one read, all get the new secret, one warning without it', async () => {
    const secrets = source();
    writeFileSync(file, `${NEW}\n`);
    const replacements = await Promise.all(
      Array.from({ length: 20 }, () => secrets.replacementFor(OLD)),
    );
    expect(replacements).toEqual(Array.from({ length: 20 }, () => NEW));
    expect(secrets.secret).toBe(NEW);
    expect(logger.reads()).toBe(1);
    expect(logger.warnings()).toHaveLength(1);
    expect(logger.warnings()[0]).toContain('Client secret reloaded from');
    for (const line of logger.lines) {
      expect(line.message).not.toContain(OLD);
      expect(line.message).not.toContain(NEW);
    }
    // A call sent with the old secret after the reload gets the new one without another read.
    expect(await secrets.replacementFor(OLD)).toBe(NEW);
    expect(logger.reads()).toBe(1);
  });

  it('an unchanged file gives no replacement, and is read again only after the interval', async () => {
    const secrets = source();
    expect(await secrets.replacementFor(OLD)).toBeUndefined();
    expect(logger.reads()).toBe(1);
    writeFileSync(file, NEW);
    now += CLIENT_SECRET_RELOAD_INTERVAL_MS - 1;
    expect(await secrets.replacementFor(OLD)).toBeUndefined();
    expect(logger.reads()).toBe(1);
    now += 1;
    expect(await secrets.replacementFor(OLD)).toBe(NEW);
    expect(logger.reads()).toBe(2);
    expect(logger.warnings()).toHaveLength(1);
  });

  it('a file that vanished or was emptied keeps the current secret, with a warning naming the cause', async () => {
    const secrets = source();
    rmSync(file);
    expect(await secrets.replacementFor(OLD)).toBeUndefined();
    expect(logger.warnings()).toEqual([expect.stringContaining('cannot be read (ENOENT)')]);
    writeFileSync(file, '');
    now += CLIENT_SECRET_RELOAD_INTERVAL_MS;
    expect(await secrets.replacementFor(OLD)).toBeUndefined();
    expect(logger.warnings()[1]).toContain('is empty');
    expect(secrets.secret).toBe(OLD);
  });

  it('a secret given as a value is never reloaded', async () => {
    const secrets = new ClientSecretSource(OLD, undefined, logger, () => now);
    expect(secrets.reloadable).toBe(false);
    writeFileSync(file, NEW);
    expect(await secrets.replacementFor(OLD)).toBeUndefined();
    expect(logger.lines).toEqual([]);
  });
});

describe('WRISTBAND_CLIENT_SECRET_FILE and the clientSecretFile option', () => {
  let dir: string;
  let file: string;
  const env = {
    WRISTBAND_APPLICATION_VANITY_DOMAIN: 'invotastic-acme.us.wristband.dev',
    WRISTBAND_CLIENT_ID: 'client-1',
    SESSION_SECRETS: 'n'.repeat(40),
  };
  /** The problems of a configuration that fails, checked to hold no secret. */
  const problemsOf = (load: () => unknown): string[] => {
    let error: unknown;
    try {
      load();
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(WristbandConfigurationError);
    const { problems, message } = error as WristbandConfigurationError;
    expect(message).not.toContain(OLD);
    return problems;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'wb-secret-'));
    file = join(dir, 'client-secret');
    writeFileSync(file, `${OLD}\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('the file is read at startup; the module keeps its path to read it again', () => {
    const options = wristbandOptionsFromEnv({ ...env, WRISTBAND_CLIENT_SECRET_FILE: file });
    expect(options).toMatchObject({ clientSecretFile: file });
    expect(options).not.toHaveProperty('clientSecret');
    expect(resolveWristbandOptions(options)).toMatchObject({
      clientSecret: OLD,
      clientSecretFile: file,
    });
  });

  it('both variables, or neither, is one problem naming both', () => {
    const both = { ...env, WRISTBAND_CLIENT_SECRET: OLD, WRISTBAND_CLIENT_SECRET_FILE: file };
    expect(problemsOf(() => wristbandOptionsFromEnv(both))).toEqual([
      'WRISTBAND_CLIENT_SECRET and WRISTBAND_CLIENT_SECRET_FILE are both set: set exactly one',
    ]);
    expect(problemsOf(() => wristbandOptionsFromEnv(env))).toEqual([
      'WRISTBAND_CLIENT_SECRET or WRISTBAND_CLIENT_SECRET_FILE is required: set exactly one',
    ]);
  });

  it('an empty, missing or unreadable file is a problem naming the variable, never the content', () => {
    writeFileSync(file, '\n');
    expect(
      problemsOf(() => wristbandOptionsFromEnv({ ...env, WRISTBAND_CLIENT_SECRET_FILE: file })),
    ).toEqual(['WRISTBAND_CLIENT_SECRET_FILE names an empty file']);
    const missing = join(dir, 'missing');
    expect(
      problemsOf(() => wristbandOptionsFromEnv({ ...env, WRISTBAND_CLIENT_SECRET_FILE: missing })),
    ).toEqual(['WRISTBAND_CLIENT_SECRET_FILE names a file that cannot be read (ENOENT)']);
  });

  it('in code, clientSecretFile follows the same rules under its own name', () => {
    const base = {
      applicationVanityDomain: 'invotastic-acme.us.wristband.dev',
      clientId: 'client-1',
      sessionSecrets: ['n'.repeat(40)],
    };
    expect(resolveWristbandOptions({ ...base, clientSecretFile: file }).clientSecret).toBe(OLD);
    expect(
      problemsOf(() =>
        resolveWristbandOptions({ ...base, clientSecret: OLD, clientSecretFile: file }),
      ),
    ).toEqual(['clientSecret and clientSecretFile are both set: set exactly one']);
    expect(problemsOf(() => resolveWristbandOptions({ ...base, clientSecretFile: dir }))).toEqual([
      'clientSecretFile names a file that cannot be read (EISDIR)',
    ]);
  });
});
