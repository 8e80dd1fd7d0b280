/** HTML pages served by the emulator (login form, application login page, error page). */

export function esc(value: unknown): string {
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- callers pass strings and numbers only
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;margin:0}
main{max-width:360px;margin:60px auto;background:#fff;padding:28px 32px;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:1.4em;margin:0 0 4px}p.sub{color:#555;margin:0 0 18px}
label{display:block;font-size:.9em;margin:12px 0 4px}input{width:100%;box-sizing:border-box;padding:8px;font-size:1em}
button{margin-top:18px;width:100%;padding:10px;font-size:1em;background:#3b5bdb;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#c92a2a;background:#fff5f5;border:1px solid #ffc9c9;padding:8px;border-radius:4px}
small{color:#777;display:block;margin-top:16px}`;

function layout(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE}</style></head>
<body><main>
${body}
<small>Local Wristband emulator</small>
</main></body></html>`;
}

export function loginPage(o: {
  action: string;
  tenantName: string;
  tenantDisplayName: string;
  appDisplayName: string;
  username?: string;
  error?: string;
}): string {
  return layout(
    `Sign in to ${o.tenantDisplayName}`,
    `<h1 id="login-title">Sign in</h1>
<p class="sub">${esc(o.appDisplayName)} &middot; <span id="tenant-name" data-tenant="${esc(o.tenantName)}">${esc(o.tenantDisplayName)}</span></p>
${o.error ? `<p class="error" id="login-error" role="alert">${esc(o.error)}</p>` : ''}
<form method="post" action="${esc(o.action)}" autocomplete="off" id="login-form">
<label for="username">Email</label>
<input id="username" name="username" type="email" required autofocus value="${esc(o.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit" id="login-submit">Sign in</button>
</form>`,
  );
}

export function tenantDiscoveryPage(o: {
  clientId: string;
  appDisplayName: string;
  tenantName?: string;
  error?: string;
}): string {
  return layout(
    `${o.appDisplayName}: find your workspace`,
    `<h1 id="app-login-title">Find your workspace</h1>
<p class="sub">${esc(o.appDisplayName)}</p>
${o.error ? `<p class="error" id="tenant-error" role="alert">${esc(o.error)}</p>` : ''}
<form method="get" action="/login" id="tenant-form">
<input type="hidden" name="client_id" value="${esc(o.clientId)}">
<label for="tenant_name">Tenant name</label>
<input id="tenant_name" name="tenant_name" type="text" required autofocus value="${esc(o.tenantName ?? '')}">
<button type="submit" id="tenant-submit">Continue</button>
</form>`,
  );
}

export function errorPage(title: string, message: string, extra?: Record<string, unknown>): string {
  const details = extra
    ? `<dl id="error-details">${Object.entries(extra)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => `<dt>${esc(k)}</dt><dd data-key="${esc(k)}">${esc(v)}</dd>`)
        .join('')}</dl>`
    : '';
  return layout(
    title,
    `<h1 id="error-title">${esc(title)}</h1><p class="error" id="error-message">${esc(message)}</p>${details}`,
  );
}
