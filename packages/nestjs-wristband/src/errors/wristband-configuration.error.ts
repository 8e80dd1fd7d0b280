/** Thrown at startup when options are missing or invalid: a programmer error, never a runtime one. */
export class WristbandConfigurationError extends Error {
  override readonly name = 'WristbandConfigurationError';

  constructor(readonly problems: string[]) {
    super(`Invalid Wristband configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}
