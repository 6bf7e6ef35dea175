// Browser walk of the unmodified Postiz web app's Webhooks settings against our backend.
//
// tests/tests/suite/browser_walk.rs starts the backend (billing off, private addresses allowed,
// a fake Mastodon) and the web app, then this script. Environment: FRONTEND_URL, BACKEND_URL,
// OUT_DIR (screenshots + report.json), CHROMIUM_PATH, TIMEOUT_SCALE, MASTODON_CODE.
//
// It signs up and connects a Mastodon channel (the API calls the app's own connect page makes,
// from the page). In Settings > Webhooks it adds a webhook for that channel ("Specific
// integrations", the channel picked) pointing at a receiver this script serves, presses "Send
// Test" (the receiver gets the app's sample body) and saves (the answer carries the signing
// secret). A post published on the channel then reaches the receiver as a `post.published`
// whose HMAC-SHA256 signature this script checks with the secret, with the post's release
// URL. The webhook is renamed through "Edit" and deleted through "Delete".
//
// Exit code: 0 when every step passed with no backend answer >= 400 and no crash screen;
// 1 otherwise; 2 when the walk could not run.

import crypto from 'node:crypto';
import http from 'node:http';
import {
  answer,
  backendCall,
  expect,
  openSettingsTab,
  signUpWithMastodon,
  sleep,
  stamp,
  T,
  textVisible,
  walk,
} from './kit.mjs';

const EMAIL = `hooks-${stamp}@example.com`;
const PASSWORD = `Hooks-walk-${stamp}-pw`;
const COMPANY = `Hooks Co ${stamp}`;
const NAME = `Walk hook ${stamp}`;

const { step, open, finish, fail } = walk('webhooks');

// The receiver: every request kept, 200 to all.
const received = [];
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    received.push({ path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    res.end('ok');
  });
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const HOOK_URL = `http://127.0.0.1:${server.address().port}/hook`;

async function waitFor(what, probe, timeout = T.response) {
  const until = Date.now() + timeout;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`waited for ${what}`);
    await sleep(200);
  }
}

function signedBy(secret, header, body) {
  const parts = Object.fromEntries(String(header).split(',').map((p) => p.split('=')));
  const mac = crypto.createHmac('sha256', secret).update(`${parts.t}.`).update(body).digest('hex');
  return parts.v1 === mac && Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
}

async function main() {
  const { browser, page } = await open();
  let channel = null;
  let secret = null;

  // 1. Sign up (billing off: straight to the calendar), through the onboarding if shown; then a
  // Mastodon channel on the fake network.
  const ready = await step('1-signup-channel', page, async (d) => {
    channel = await signUpWithMastodon(page, { email: EMAIL, password: PASSWORD, company: COMPANY }, d);
  });

  // 2. Settings > Webhooks > Add a webhook: name, URL, the channel picked; "Send Test", then Save.
  const created = await step('2-add-webhook', page, async (d) => {
    expect(ready, 'no channel');
    const listed = await answer(page, 'GET', /^\/webhooks$/, () => openSettingsTab(page, 'Webhooks'));
    d.listed = listed.body;
    expect(listed.status === 200 && Array.isArray(listed.body) && listed.body.length === 0, JSON.stringify(listed));
    await page.getByRole('button', { name: 'Add a webhook' }).click();
    const modal = page.locator('form').filter({ hasText: 'Integrations' }).last();
    await modal.locator('input[name="name"]').fill(NAME);
    await modal.locator('input[name="url"]').fill(HOOK_URL);
    await modal.locator('select').selectOption('specific');
    const avatar = modal.locator('div.cursor-pointer.rounded-full').first();
    await avatar.waitFor({ state: 'visible', timeout: T.action });
    await avatar.click();
    const tested = await answer(page, 'POST', /^\/webhooks\/send$/, () =>
      modal.getByRole('button', { name: 'Send Test' }).click()
    );
    d.test = tested.status;
    expect(tested.status === 201 && tested.body?.send === true, `send test: ${JSON.stringify(tested)}`);
    const sample = await waitFor('the test body', () => received.find((r) => r.path === '/hook'));
    const parsed = JSON.parse(sample.body.toString());
    expect(Array.isArray(parsed) && parsed[0]?.state === 'PUBLISHED', `the sample: ${sample.body}`);
    const saved = await answer(page, 'POST', /^\/webhooks$/, () => modal.getByRole('button', { name: 'Save' }).click());
    d.saved = saved.status;
    expect(saved.status === 201 && saved.body?.id, `POST /webhooks: ${JSON.stringify(saved)}`);
    expect(JSON.stringify(saved.request?.integrations || []).includes(channel), `the channel was not sent: ${JSON.stringify(saved.request)}`);
    secret = saved.body.secret;
    expect(secret?.startsWith('whsec_'), 'no signing secret in the answer');
    await textVisible(page, NAME);
    await textVisible(page, HOOK_URL);
  });

  // 3. A post published on the channel reaches the receiver, signed, with its release URL.
  await step('3-published-event', page, async (d) => {
    expect(created, 'no webhook');
    const posted = await backendCall(page, 'POST', '/posts', {
      type: 'now',
      date: new Date().toISOString(),
      shortLink: false,
      tags: [],
      posts: [{ integration: { id: channel }, settings: { __type: 'mastodon' }, value: [{ content: '<p>Webhook walk</p>' }] }],
    });
    d.post = posted.status;
    expect(posted.status === 201, `POST /posts: ${JSON.stringify(posted)}`);
    const hit = await waitFor('post.published', () =>
      received.find((r) => r.headers['postiz-event'] === 'post.published')
    );
    const body = JSON.parse(hit.body.toString());
    d.releaseURL = body[0]?.releaseURL;
    d.delivery = hit.headers['postiz-delivery'];
    expect(body[0]?.id === posted.body[0].postId, `another post: ${hit.body}`);
    expect(String(d.releaseURL).startsWith('https://'), `no release URL: ${hit.body}`);
    expect(signedBy(secret, hit.headers['postiz-signature'], hit.body), `bad signature ${hit.headers['postiz-signature']}`);
  });

  // 4. Edit: a new name through the app's PUT; 5. Delete.
  await step('4-edit-delete', page, async (d) => {
    expect(created, 'no webhook');
    await page.getByRole('button', { name: 'Edit', exact: true }).first().click();
    const modal = page.locator('form').filter({ hasText: 'Integrations' }).last();
    await modal.locator('input[name="name"]').fill(`${NAME} renamed`);
    const edited = await answer(page, 'PUT', /^\/webhooks$/, () => modal.getByRole('button', { name: 'Save' }).click());
    d.edited = edited.status;
    expect(edited.status === 200, `PUT /webhooks: ${JSON.stringify(edited)}`);
    await textVisible(page, `${NAME} renamed`);
    await page.getByRole('button', { name: 'Delete', exact: true }).first().click();
    const deleted = await answer(page, 'DELETE', /^\/webhooks\/[^/]+$/, () =>
      page.getByRole('button', { name: /^Yes/ }).last().click()
    );
    d.deleted = deleted.status;
    expect(deleted.status === 200, `DELETE /webhooks: ${JSON.stringify(deleted)}`);
    await page.getByText(`${NAME} renamed`).first().waitFor({ state: 'hidden', timeout: T.action });
  });

  await sleep(300);
  await browser.close();
  server.close();
  finish();
}

main().catch(fail);
