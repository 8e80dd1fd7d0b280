import type { OptionProblem, WristbandOptionField } from './wristband-options.validator.js';

/** Option path → the variable it was read from, and the value it got there (never shown: compared only). */
type EnvSources = ReadonlyMap<WristbandOptionField, { variable: string; value: unknown }>;

/**
 * Which options `wristbandOptionsFromEnv` read from which variable, so a problem the module finds later
 * (e.g. `callbackUrl` against `authRoutePrefix`) names the variable. Kept outside the options, keyed by the
 * options object and by the arrays and groups in it: `forRoot` copies the options' own string keys into a
 * new object (a symbol property would be lost), and spreads, rest patterns and `ConfigService` keep those
 * nested objects by reference. Not part of the public types.
 */
const sources = new WeakMap<object, EnvSources>();

/** Records the variable behind each option path present in `options` (one `variables` entry per path). */
export function recordEnvSources(
  options: object,
  variables: Partial<Record<WristbandOptionField, string>>,
): void {
  const map = new Map<WristbandOptionField, { variable: string; value: unknown }>();
  for (const [field, variable] of Object.entries(variables) as [WristbandOptionField, string][]) {
    const value = valueAt(options, field);
    if (value !== undefined) map.set(field, { variable, value });
  }
  for (const carrier of carriers(options)) sources.set(carrier, map);
}

/**
 * The variable an option came from: only while it still holds the value read there (an option the app
 * overrode in code keeps its option name).
 */
export function envVariableOf(options: object, field: WristbandOptionField): string | undefined {
  const map = carriers(options)
    .map((carrier) => sources.get(carrier))
    .find((found) => found !== undefined);
  const source = map?.get(field);
  return source && Object.is(valueAt(options, field), source.value) ? source.variable : undefined;
}

/**
 * `field message`, each field (the problem's and the one its message names) as `nameOf` gives it. Only
 * names: a message never carries a value.
 */
export function describeProblem(
  problem: OptionProblem,
  nameOf: (field: WristbandOptionField) => string,
): string {
  const message = problem.related
    ? problem.message.replace(problem.related, nameOf(problem.related))
    : problem.message;
  return `${nameOf(problem.field)} ${message}`;
}

/** The options object and the objects in it that `wristbandOptionsFromEnv` creates. */
function carriers(options: object): object[] {
  const o = options as Partial<Record<string, unknown>>;
  const nested = (group: unknown, key: string) =>
    isObject(group) ? (group as Partial<Record<string, unknown>>)[key] : undefined;
  return [
    options,
    o.sessionSecrets,
    o.scopes,
    o.bearer,
    nested(o.bearer, 'allowedClientIds'),
    o.redis,
    nested(o.redis, 'clusterNodes'),
  ].filter(isObject);
}

function valueAt(options: object, path: string): unknown {
  let value: unknown = options;
  for (const key of path.split('.'))
    value = isObject(value) ? (value as Partial<Record<string, unknown>>)[key] : undefined;
  return value;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}
