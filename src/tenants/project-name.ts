/** What the REST route and the GraphQL mutation say when a project name is refused. */
export const PROJECT_NAME_RULE = 'name must be a non-empty string of at most 100 characters';

/** The trimmed project name, or `undefined` when it breaks `PROJECT_NAME_RULE`. */
export function parseProjectName(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 100) return undefined;
  const name = value.trim();
  return name === '' ? undefined : name;
}
