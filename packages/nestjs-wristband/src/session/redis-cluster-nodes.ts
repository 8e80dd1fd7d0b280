/** Where a Redis Cluster is and how to log in to its nodes (`redis.clusterNodes` / `REDIS_CLUSTER_NODES`). */
export interface RedisClusterTarget {
  /** Seed nodes: the client learns the others (and which slots each serves) from them. */
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  /** `rediss://` entries: TLS to every node. */
  tls: boolean;
}

const ENTRY_FORM =
  'host:port, redis://[[user]:password@]host:port or rediss://[[user]:password@]host:port';

/**
 * Parses the seed node entries. An entry is `host:port`, or a `redis://` / `rediss://` URL carrying the
 * user name, password and TLS of the whole cluster (one node needs them, so all do); entries without a
 * scheme take them from the others, and two entries giving different ones is a problem. Problems name
 * the entry by its position, never by its text (it may hold a password).
 */
export function parseRedisClusterNodes(entries: unknown): {
  target?: RedisClusterTarget;
  problems: string[];
} {
  if (!Array.isArray(entries) || entries.length === 0)
    return { problems: [`must list at least one node (${ENTRY_FORM})`] };
  const problems: string[] = [];
  const nodes: RedisClusterTarget['nodes'] = [];
  let shared: { tls: boolean; username: string; password: string } | undefined;
  let conflict = false;
  entries.forEach((entry, i) => {
    const parsed = typeof entry === 'string' ? parseEntry(entry.trim()) : undefined;
    if (!parsed) {
      problems.push(`entry ${i + 1} of ${entries.length} must be ${ENTRY_FORM}`);
      return;
    }
    nodes.push({ host: parsed.host, port: parsed.port });
    if (!parsed.login) return;
    if (!shared) shared = parsed.login;
    else if (
      shared.tls !== parsed.login.tls ||
      shared.username !== parsed.login.username ||
      shared.password !== parsed.login.password
    )
      conflict = true;
  });
  if (conflict)
    problems.push(
      'entries disagree on the scheme (redis:// or rediss://), user name or password: give them once, or the same on every entry',
    );
  if (problems.length) return { problems };
  return {
    problems,
    target: {
      nodes,
      tls: shared?.tls ?? false,
      ...(shared?.username ? { username: shared.username } : {}),
      ...(shared?.password ? { password: shared.password } : {}),
    },
  };
}

interface ParsedEntry {
  host: string;
  port: number;
  /** Set by entries with a scheme. */
  login?: { tls: boolean; username: string; password: string };
}

function parseEntry(entry: string): ParsedEntry | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(entry);
  let url: URL;
  try {
    url = new URL(withScheme ? entry : `redis://${entry}`);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return undefined;
  // A cluster has only database 0; a query or fragment would be silently ignored.
  const pathOk = url.pathname === '' || url.pathname === '/' || url.pathname === '/0';
  if (!url.hostname || !url.port || !pathOk || url.search || url.hash) return undefined;
  if (!withScheme && (url.username || url.password)) return undefined;
  let username: string;
  let password: string;
  try {
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
  } catch {
    return undefined;
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port),
    ...(withScheme ? { login: { tls: url.protocol === 'rediss:', username, password } } : {}),
  };
}
