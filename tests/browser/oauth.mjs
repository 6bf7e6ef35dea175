// Browser walk of the unmodified Postiz web app's OAuth pages against our authorization server.
//
// tests/tests/suite/browser_walk.rs starts the backend and the web app (billing off), then this
// script. Environment: FRONTEND_URL, BACKEND_URL, OUT_DIR (screenshots + report.json),
// CHROMIUM_PATH, TIMEOUT_SCALE.
//
// It signs up; creates the organization's OAuth app in Settings > Developers > Apps (the secret
// shown once); opens the consent page `/oauth/authorize?client_id=…` as an outside app would
// send the user, sees the app's name and authorizes: the browser leaves for the app's redirect
// URL with a code and the state (intercepted: no internet). The walk then plays the app: it
// exchanges the code with the secret (`POST /oauth/token`) and calls the public API with the
// `pos_` token. Settings > Approved Apps lists the app; revoking it there stops the token at
// once. Back in Developers it rotates the secret and deletes the app, then reads the MCP URL
// the Access tab shows and lists the tools there.
//
// Exit code: 0 when every step passed with no backend answer >= 400 and no crash screen;
// 1 otherwise; 2 when the walk could not run.

import {
  answer,
  BACKEND_URL,
  expect,
  FRONTEND_URL,
  openSettingsTab,
  SCALE,
  signUp,
  sleep,
  stamp,
  T,
  textVisible,
  walk,
} from './kit.mjs';

const EMAIL = `oauth-${stamp}@example.com`;
const PASSWORD = `OAuth-walk-${stamp}-pw`;
const COMPANY = `OAuth Co ${stamp}`;
const APP_NAME = `Walk App ${stamp}`;
const REDIRECT = 'https://walk-app.example/callback';

const { shot, step, open, finish, fail } = walk('oauth');

// The decision modal's button (`Rotate`, `Delete`, `Yes, ...`).
async function approveDecision(page, name) {
  const button = page.getByRole('button', { name, exact: true }).last();
  await button.waitFor({ state: 'visible', timeout: T.action });
  await button.click();
}

async function isConnected(token) {
  const r = await fetch(`${BACKEND_URL}/public/v1/is-connected`, { headers: { Authorization: token } });
  return r.status;
}

async function main() {
  const { browser, page } = await open();
  let clientId = null;
  let secret = null;
  let code = null;
  let token = null;

  // 1. Sign up (billing off: straight to the calendar), through the onboarding if shown.
  const signedUp = await step('1-signup', page, async (d) => {
    await signUp(page, { email: EMAIL, password: PASSWORD, company: COMPANY });
    await page.waitForURL(/\/launches/, { timeout: T.nav });
    const onboarding = page.getByText('Connect Your Channels', { exact: true });
    d.onboarding = await onboarding
      .waitFor({ state: 'visible', timeout: 15000 * SCALE })
      .then(() => true, () => false);
    if (d.onboarding) {
      await page.getByRole('button', { name: /Continue( without channels)?/ }).first().click();
      await page.getByRole('button', { name: /Get Started/ }).click();
      await onboarding.waitFor({ state: 'hidden', timeout: T.action });
    }
  });

  // 2. Settings > Developers > Apps: create the organization's OAuth app.
  const created = await step('2-create-app', page, async (d) => {
    expect(signedUp, 'sign-up failed');
    await openSettingsTab(page, 'Developers');
    await page.getByRole('button', { name: 'Apps', exact: true }).click();
    await page.getByRole('button', { name: 'Create OAuth App' }).first().click();
    await page.getByPlaceholder('My Application').fill(APP_NAME);
    await page.getByPlaceholder('Describe what your app does').fill('Schedules posts from the walk');
    await page.getByPlaceholder('https://yourapp.com/callback').fill(REDIRECT);
    const made = await answer(page, 'POST', /^\/user\/oauth-app$/, () =>
      page.getByRole('button', { name: 'Create', exact: true }).click()
    );
    d.status = made.status;
    expect(made.status === 201, `POST /user/oauth-app: ${JSON.stringify(made)}`);
    clientId = made.body.clientId;
    secret = made.body.clientSecret;
    expect(clientId?.startsWith('pca_') && secret?.startsWith('pcs_'), JSON.stringify(made.body));
    // The app's card: its name, redirect URL and client id; the secret shown this once.
    await textVisible(page, APP_NAME);
    await textVisible(page, REDIRECT);
    await textVisible(page, clientId);
    d.secretShown = await page.getByText(secret).first().isVisible().catch(() => false);
  });

  // 3. The consent page, as an outside app sends the user there; "Authorize" sends the browser
  // to the app's redirect URL with the code and the state.
  const authorized = await step('3-consent', page, async (d) => {
    expect(created, 'no app');
    const q = new URLSearchParams({ client_id: clientId, response_type: 'code', state: `st-${stamp}` });
    const check = await answer(page, 'GET', /^\/oauth\/authorize$/, () =>
      page.goto(`${FRONTEND_URL}/oauth/authorize?${q}`, { waitUntil: 'domcontentloaded', timeout: T.nav })
    );
    d.check = check.status;
    expect(check.status === 200, `GET /oauth/authorize: ${JSON.stringify(check)}`);
    await textVisible(page, APP_NAME);
    d.screen = await shot(page, 'consent-screen');
    const leaving = page.waitForRequest((r) => r.url().startsWith(REDIRECT), { timeout: T.response });
    const decided = await answer(page, 'POST', /^\/oauth\/authorize$/, () =>
      page.getByRole('button', { name: 'Authorize', exact: true }).click()
    );
    d.decided = decided.status;
    expect(decided.status === 201, `POST /oauth/authorize: ${JSON.stringify(decided)}`);
    const back = new URL((await leaving).url());
    d.redirect = `${back.origin}${back.pathname}`;
    expect(back.searchParams.get('state') === `st-${stamp}`, `state not echoed: ${back}`);
    code = back.searchParams.get('code');
    expect(code, `no code in ${back}`);
  });

  // 4. The app exchanges the code with its secret; the token works on the public API.
  const exchanged = await step('4-token', page, async (d) => {
    expect(authorized, 'no code');
    const r = await fetch(`${BACKEND_URL}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code, client_id: clientId, client_secret: secret }),
    });
    const body = await r.json();
    d.status = r.status;
    expect(r.status === 200 && body.access_token?.startsWith('pos_'), `POST /oauth/token: ${JSON.stringify(body)}`);
    token = body.access_token;
    d.isConnected = await isConnected(token);
    expect(d.isConnected === 200, `GET /public/v1/is-connected with the token: ${d.isConnected}`);
  });

  // 5. Settings > Approved Apps lists it; revoking stops the token at once.
  await step('5-approved-apps-revoke', page, async (d) => {
    expect(exchanged, 'no token');
    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    const listed = await answer(page, 'GET', /^\/user\/approved-apps$/, () => openSettingsTab(page, 'Approved Apps'));
    d.listed = Array.isArray(listed.body) ? listed.body.length : listed.body;
    await textVisible(page, APP_NAME);
    await page.getByRole('button', { name: 'Revoke', exact: true }).first().click();
    const revoked = await answer(page, 'DELETE', /^\/user\/approved-apps\/[^/]+$/, () =>
      approveDecision(page, /^Yes/)
    );
    d.revoked = revoked.status;
    expect(revoked.status === 200, `DELETE /user/approved-apps: ${JSON.stringify(revoked)}`);
    await textVisible(page, 'No approved apps yet.');
    d.isConnected = await isConnected(token);
    expect(d.isConnected === 401, `the revoked token still answers ${d.isConnected}`);
  });

  // 6. Developers > Apps: rotate the secret, then delete the app.
  await step('6-rotate-delete', page, async (d) => {
    expect(created, 'no app');
    await openSettingsTab(page, 'Developers');
    await page.getByRole('button', { name: 'Apps', exact: true }).click();
    await page.getByRole('button', { name: 'Rotate Secret' }).click();
    const rotated = await answer(page, 'POST', /^\/user\/oauth-app\/rotate-secret$/, () =>
      approveDecision(page, 'Rotate')
    );
    d.rotated = rotated.status;
    expect(rotated.status === 201 && rotated.body?.clientSecret !== secret, JSON.stringify(rotated));
    await page.getByRole('button', { name: 'Delete App' }).click();
    const deleted = await answer(page, 'DELETE', /^\/user\/oauth-app$/, () => approveDecision(page, 'Delete'));
    d.deleted = deleted.status;
    expect(deleted.status === 200, `DELETE /user/oauth-app: ${JSON.stringify(deleted)}`);
    await page.getByRole('button', { name: 'Create OAuth App' }).first().waitFor({ state: 'visible', timeout: T.action });
  });

  // 7. Developers > Access shows the MCP server's URL with the API key (after "Reveal"); an
  // MCP client given that URL lists the tools.
  await step('7-mcp-url', page, async (d) => {
    expect(signedUp, 'sign-up failed');
    await page.getByRole('button', { name: 'Access', exact: true }).click();
    const mcp = page.locator('div.overflow-hidden').filter({ hasText: 'MCP Client Configuration' }).last();
    await mcp.waitFor({ state: 'visible', timeout: T.nav });
    await mcp.getByRole('button', { name: /Remote servers/ }).click();
    await mcp.getByRole('button', { name: 'Reveal', exact: true }).click();
    const shown = mcp.locator('pre').filter({ hasText: /\/mcp\/[0-9a-f]{16,}/ }).first();
    await shown.waitFor({ state: 'visible', timeout: T.action });
    const url = (await shown.innerText()).trim();
    expect(url.startsWith(`${BACKEND_URL}/mcp/`), `the shown URL: ${url}`);
    d.url = url.replace(/\/mcp\/.+$/, '/mcp/<key>');
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    const body = await r.json().catch(() => null);
    d.status = r.status;
    d.tools = (body?.result?.tools || []).map((t) => t.name);
    expect(r.status === 200 && d.tools.includes('schedulePost'), `tools/list at the shown URL: ${r.status} ${JSON.stringify(body)}`);
  });

  await sleep(300);
  await browser.close();
  finish();
}

main().catch(fail);
