import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = new URL('../', import.meta.url).pathname;
const PACKAGE_SRC = join(ROOT, 'packages/nestjs-wristband/src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [relative(PACKAGE_SRC, join(dir, e.name))],
  );
}

describe('docs/ARCHITECTURE.md', () => {
  it('names only files that exist in the package', () => {
    const existing = files(PACKAGE_SRC);
    const named = [
      ...readFileSync(join(ROOT, 'docs/ARCHITECTURE.md'), 'utf8').matchAll(/`([\w./-]+\.ts)`/g),
    ].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(40); // the page is a file map: a broken pattern must not pass empty
    const stale = named.filter(
      (name) => !existing.some((path) => path === name || path.endsWith(`/${name}`)),
    );
    expect(stale).toEqual([]);
  });
});
