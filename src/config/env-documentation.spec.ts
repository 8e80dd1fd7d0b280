import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadAppConfig } from './app.config.js';

const ROOT = new URL('../../', import.meta.url).pathname;

/** Variable names in the first column of the README's configuration table. */
function documentedVariables(): Set<string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(
    readme.indexOf('## Configuration'),
    readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1),
  );
  return new Set([...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((m) => m[1]));
}

/** Every variable `loadAppConfig` reads, recorded by handing it an environment that notes each lookup. */
function variablesReadAtStartup(): Set<string> {
  const read = new Set<string>();
  const env = new Proxy<NodeJS.ProcessEnv>(
    {},
    {
      get: (_target, name) => {
        if (typeof name === 'string') read.add(name);
        return undefined;
      },
    },
  );
  try {
    loadAppConfig(env);
  } catch {
    // An empty environment is invalid: only the lookups matter here.
  }
  return read;
}

/** `process.env.NAME` / `process.env['NAME']` anywhere in the app's sources (reads outside the loader). */
function variablesReadDirectly(dir = join(ROOT, 'src')): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const n of variablesReadDirectly(path)) names.add(n);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts')) {
      for (const m of readFileSync(path, 'utf8').matchAll(
        /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[['"]([A-Z][A-Z0-9_]*)['"]\])/g,
      )) {
        names.add(m[1] ?? m[2]);
      }
    }
  }
  return names;
}

describe('README configuration table', () => {
  it('lists every environment variable the app reads', () => {
    const read = new Set([...variablesReadAtStartup(), ...variablesReadDirectly()]);
    // The recorder sees the loader's reads (a broken recorder would make this test pass vacuously).
    expect([...read]).toEqual(
      expect.arrayContaining([
        'PORT',
        'HOST',
        'TRUST_PROXY',
        'WRISTBAND_CLIENT_ID',
        'SESSION_SECRETS',
      ]),
    );
    const undocumented = [...read].filter((name) => !documentedVariables().has(name)).sort();
    expect(undocumented).toEqual([]);
  });
});
