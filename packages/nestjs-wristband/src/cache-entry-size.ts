/**
 * Byte sizes for the bounded caches (opened session cookies, verified bearer tokens): lru-cache's
 * `maxSize` counts what `sizeCalculation` returns, so these are upper estimates of the V8 heap an entry
 * keeps alive. An estimate that is too low would let a cache outgrow its budget; one that is too high only
 * keeps fewer entries. cache-entry-size.spec.ts holds the estimate above what a full cache really takes
 * (strings shared between entries by `shareStrings` are counted in each).
 */

/** V8 object header (map, properties, elements), rounded up. */
const OBJECT_BYTES = 32;
/** Per property: an in-object slot, or a dictionary entry (key, value, details) when V8 normalized it. */
const PROPERTY_BYTES = 24;
/** JSArray plus its FixedArray header. */
const ARRAY_BYTES = 48;
const SLOT_BYTES = 8;
/** String header (map, hash, length). */
const STRING_BYTES = 16;
/** A number that is not a small integer lives in its own HeapNumber. */
const NUMBER_BYTES = 16;
/** What lru-cache and its key Map hold per entry beyond the value: key string, Map entry, index slots. */
export const LRU_ENTRY_BYTES = 192;

const roundUp8 = (n: number) => (n + 7) & ~7;

/** Upper estimate of a string's heap size: one byte per char when Latin-1, else two. */
export function stringBytes(s: string): number {
  // eslint-disable-next-line no-control-regex
  const perChar = /[^\u0000-\u00ff]/.test(s) ? 2 : 1;
  return STRING_BYTES + roundUp8(s.length * perChar);
}

/**
 * Upper estimate of the heap a plain value (JSON-like: strings, numbers, booleans, arrays, plain objects)
 * keeps alive, counting shared parts once per reference. Deeper than `maxDepth`, a value counts as its
 * JSON text twice over (claims come from JSON and are small; the bound only guards against cycles).
 */
export function heapBytes(value: unknown, maxDepth = 8): number {
  switch (typeof value) {
    case 'string':
      return stringBytes(value);
    case 'number':
      return NUMBER_BYTES;
    case 'object': {
      if (value === null) return 0;
      if (maxDepth === 0) return 2 * stringBytes(JSON.stringify(value) ?? '');
      if (Array.isArray(value)) {
        let bytes = ARRAY_BYTES + SLOT_BYTES * value.length;
        for (const item of value as unknown[]) bytes += heapBytes(item, maxDepth - 1);
        return bytes;
      }
      let bytes = OBJECT_BYTES;
      for (const key in value) {
        bytes += PROPERTY_BYTES + heapBytes((value as Record<string, unknown>)[key], maxDepth - 1);
      }
      return bytes;
    }
    default:
      return 0;
  }
}

/**
 * A copy of `s` that shares no memory with the string it was cut from. A cookie or token cut from a
 * request header is a V8 "sliced string" that keeps the whole header alive, so a cache holding it would
 * hold more than its estimate says. Header values are Latin-1; any other string is returned as is.
 */
export function detachedString(s: string): string {
  const copy = Buffer.from(s, 'latin1').toString('latin1');
  return copy === s ? copy : s;
}

/**
 * Strings cache entries repeat (tenant and application ids, role names, issuer…), kept once each. A plain
 * Map emptied when full: cheaper per lookup than an LRU, and the repeated strings come back at once.
 */
const shared = new Map<string, string>();
const MAX_SHARED = 4096;
const MAX_SHARED_LENGTH = 128;

/**
 * Replaces, in place, the short strings of a freshly decoded plain value (a session, a token's user and
 * claims) with one shared copy, so 10k cached sessions of one tenant hold its ids and role names once
 * instead of 10k times. Frozen parts are left as they are: call it before `readOnly`. Values unique to
 * an entry pass through a bounded table, emptied when full.
 */
export function shareStrings<T>(value: T, maxDepth = 8): T {
  if (typeof value !== 'object' || value === null || maxDepth === 0 || Object.isFrozen(value))
    return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const v = record[key];
    if (typeof v === 'string') record[key] = sharedString(v);
    else if (typeof v === 'object') shareStrings(v, maxDepth - 1);
  }
  return value;
}

function sharedString(s: string): string {
  if (s.length > MAX_SHARED_LENGTH) return s;
  const known = shared.get(s);
  if (known !== undefined) return known;
  if (shared.size >= MAX_SHARED) shared.clear();
  shared.set(s, s);
  return s;
}
