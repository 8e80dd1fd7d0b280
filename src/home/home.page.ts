/** Static demo page; everything dynamic comes from `/auth/session` and `/api/me`. */
export const HOME_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Wristband + NestJS demo</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 44rem; margin: 3rem auto; padding: 0 1rem; color: #1d2433; }
  button, a.button { font: inherit; padding: .5rem 1rem; margin-right: .5rem; border-radius: .4rem; border: 1px solid #3b5bdb; background: #3b5bdb; color: white; text-decoration: none; cursor: pointer; }
  input { font: inherit; padding: .45rem; }
  pre { background: #f1f3f5; padding: 1rem; border-radius: .4rem; overflow: auto; }
  .muted { color: #667; }
</style>
</head>
<body>
<h1>Wristband + NestJS</h1>
<p id="status" class="muted">Checking session…</p>
<div id="anonymous" hidden>
  <form action="/auth/login" method="get">
    <input name="tenant_name" id="tenant" placeholder="tenant (e.g. acme)" autocomplete="off">
    <button id="login" type="submit">Log in</button>
  </form>
</div>
<div id="authenticated" hidden>
  <button id="call-me" type="button">Call /api/me</button>
  <a class="button" id="logout" href="/auth/logout">Log out</a>
</div>
<pre id="output"></pre>
<script>
  const $ = (id) => document.getElementById(id);
  async function refresh() {
    const res = await fetch('/auth/session', { credentials: 'same-origin' });
    if (res.ok) {
      const s = await res.json();
      $('status').textContent = 'Logged in as ' + (s.email || s.userId) + ' in tenant ' + s.tenantName + ' (' + s.tenantId + ')';
      // The tenant goes along: if the session has expired by the time of the click, logout still ends
      // the tenant's Wristband session instead of landing on the application login page.
      $('logout').href = '/auth/logout?tenant_name=' + encodeURIComponent(s.tenantName);
      $('authenticated').hidden = false;
    } else if (res.status >= 500) {
      const body = await res.json().catch(() => ({}));
      $('status').textContent = 'Sign-in is unavailable right now (' + (body.reason || res.status) + '); try again shortly.';
    } else {
      $('status').textContent = 'Not logged in.';
      $('anonymous').hidden = false;
    }
  }
  $('call-me').addEventListener('click', async () => {
    const res = await fetch('/api/me', { credentials: 'same-origin' });
    $('output').textContent = res.status + '\\n' + JSON.stringify(await res.json(), null, 2);
  });
  refresh();
</script>
</body>
</html>
`;
