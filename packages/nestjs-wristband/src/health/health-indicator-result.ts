/**
 * The result shape of `@nestjs/terminus` indicators (`HealthIndicatorResult`), written out here so the
 * package needs no terminus to load: a terminus health check takes these results as they are.
 */
export type WristbandHealthResult<Key extends string> = Record<
  Key,
  { status: 'up' | 'down'; message?: string }
>;

export function healthResult<Key extends string>(
  key: Key,
  status: 'up' | 'down',
  message?: string,
): WristbandHealthResult<Key> {
  const details = message === undefined ? { status } : { status, message };
  return { [key]: details } as WristbandHealthResult<Key>;
}
