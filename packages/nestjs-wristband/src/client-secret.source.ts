import { Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** Shortest time between two reads of the secret file that `invalid_client` answers trigger. */
export const CLIENT_SECRET_RELOAD_INTERVAL_MS = 5000;

/**
 * The secret a secret file holds: its content without the trailing newline `echo` and editors add;
 * `''` when only whitespace is left (a file truncated or written half-way).
 */
export function secretFromFileContent(content: string): string {
  const secret = content.replace(/[\r\n]+$/, '');
  return secret.trim() ? secret : '';
}

/**
 * Reads the secret file at startup: the secret, or a problem to report after the option's name. The
 * problem never holds the content; the error code (`ENOENT`, `EACCES`, …) says what to fix.
 */
export function readClientSecretFile(path: string): { secret: string } | { problem: string } {
  try {
    const secret = secretFromFileContent(readFileSync(path, 'utf8'));
    return secret ? { secret } : { problem: 'names an empty file' };
  } catch (err) {
    return { problem: `names a file that cannot be read (${errorCode(err)})` };
  }
}

/**
 * The client secret the module authenticates with. Fixed when it came from `clientSecret`; read again
 * from `clientSecretFile` when Wristband rejects the client, so a rotated secret (a Kubernetes secret
 * volume, a Docker secret, a Vault agent file) is picked up without a restart.
 */
export class ClientSecretSource {
  private current: string;
  private lastReadAt = -Infinity;
  /** The read in progress: every rejected call waits for this one instead of reading on its own. */
  private reading?: Promise<void>;

  constructor(
    initial: string,
    private readonly file: string | undefined,
    private readonly logger = new Logger('Wristband'),
    private readonly now: () => number = Date.now,
  ) {
    this.current = initial;
  }

  get secret(): string {
    return this.current;
  }

  /** Whether a rejection can ever yield another secret (only a file can change). */
  get reloadable(): boolean {
    return this.file !== undefined;
  }

  /**
   * After Wristband answered `invalid_client` to a call sent with `rejected`: the secret to send the call
   * again with, or `undefined` when there is no other one. The file is read at most once every
   * `CLIENT_SECRET_RELOAD_INTERVAL_MS`, one read shared by all callers, so a wrong secret cannot turn every
   * request into a file read.
   */
  async replacementFor(rejected: string): Promise<string | undefined> {
    if (!this.file) return undefined;
    // Another call already read a new secret since this one was sent.
    if (this.current !== rejected) return this.current;
    if (!this.reading && this.now() - this.lastReadAt >= CLIENT_SECRET_RELOAD_INTERVAL_MS) {
      this.lastReadAt = this.now();
      this.reading = this.read(this.file).finally(() => {
        this.reading = undefined;
      });
    }
    await this.reading;
    return this.current !== rejected ? this.current : undefined;
  }

  private async read(file: string): Promise<void> {
    this.logger.debug(`Wristband answered invalid_client: reading the client secret file ${file}`);
    let secret: string;
    try {
      secret = secretFromFileContent(await readFile(file, 'utf8'));
    } catch (err) {
      this.logger.warn(
        `Client secret file ${file} cannot be read (${errorCode(err)}): keeping the current secret`,
      );
      return;
    }
    if (!secret) {
      this.logger.warn(`Client secret file ${file} is empty: keeping the current secret`);
    } else if (secret !== this.current) {
      this.current = secret;
      this.logger.warn(
        `Client secret reloaded from ${file} after Wristband answered invalid_client (the secret was rotated)`,
      );
    }
  }
}

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'error';
}
