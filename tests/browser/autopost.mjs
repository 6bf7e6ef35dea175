// Browser walk of the unmodified Postiz web app's Auto Post settings against our backend.
//
// tests/tests/suite/browser_walk.rs starts the backend (billing off, private addresses allowed,
// a fake Mastodon, the hourly feed run every 2 s) and the web app, then this script.
// Environment: FRONTEND_URL, BACKEND_URL, OUT_DIR (screenshots + report.json), CHROMIUM_PATH,
// TIMEOUT_SCALE, MASTODON_CODE.
//
// It signs up and connects a Mastodon channel (the API calls the app's connect page makes, from
// the page), serves an RSS feed itself, and in Settings > Auto Post adds it: title, URL, "Send
// Test" (the app keeps the newest item's link as lastUrl), Save. Two items added to the feed
// then become two drafts (creation method AUTOPOST, the item's link in the text), once. The
// feed is switched off with its slider, renamed through "Edit" and deleted through "Delete".
//
// Exit code: 0 when every step passed with no backend answer >= 400 and no crash screen;
// 1 otherwise; 2 when the walk could not run.

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

const EMAIL = `feeds-${stamp}@example.com`;
const PASSWORD = `Feeds-walk-${stamp}-pw`;
const COMPANY = `Feeds Co ${stamp}`;
const TITLE = `Walk feed ${stamp}`;

const { step, open, finish, fail } = walk('autopost');

// The feed: items newest first, as feeds list them.
const items = [1, 2, 3];
let reads = 0;
const server = http.createServer((req, res) => {
  reads += 1;
  const entries = items
    .slice()
    .reverse()
    .map(
      (n) =>
        `<item><title>Walk post ${n}</title><link>https://walk-blog.example/${n}</link>` +
        `<guid>walk-${n}</guid><description>About walk post ${n}</description></item>`
    )
    .join('');
  res.writeHead(200, { 'Content-Type': 'application/rss+xml' });
  res.end(`<?xml version="1.0"?><rss version="2.0"><channel><title>Walk blog</title>${entries}</channel></rss>`);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const FEED_URL = `http://127.0.0.1:${server.address().port}/feed.xml`;

async function drafts(page) {
  const r = await backendCall(page, 'GET', '/posts/list?state=draft&limit=100');
  return r.body?.p || [];
}

async function main() {
  const { browser, page } = await open();
  let channel = null;
  let id = null;

  // 1. Sign up (billing off: straight to the calendar), through the onboarding if shown; then a
  // Mastodon channel on the fake network.
  const ready = await step('1-signup-channel', page, async (d) => {
    channel = await signUpWithMastodon(page, { email: EMAIL, password: PASSWORD, company: COMPANY }, d);
  });

  // 2. Settings > Auto Post > Add an autopost: title, URL, Send Test, Save.
  const created = await step('2-add-feed', page, async (d) => {
    expect(ready, 'no channel');
    const listed = await answer(page, 'GET', /^\/autopost$/, () => openSettingsTab(page, 'Auto Post'));
    expect(listed.status === 200 && Array.isArray(listed.body) && listed.body.length === 0, JSON.stringify(listed));
    await page.getByRole('button', { name: 'Add an autopost' }).click();
    const form = page.locator('form').filter({ hasText: 'Send Test' }).last();
    await form.locator('input[name="title"]').fill(TITLE);
    await form.locator('input[name="url"]').fill(FEED_URL);
    const tested = await answer(page, 'POST', /^\/autopost\/send$/, () =>
      form.getByRole('button', { name: 'Send Test' }).click()
    );
    d.test = tested.body;
    expect(tested.status === 201 && tested.body?.success === true, `send test: ${JSON.stringify(tested)}`);
    expect(tested.body.url === 'https://walk-blog.example/3', `the newest item: ${tested.body.url}`);
    const saved = await answer(page, 'POST', /^\/autopost$/, () => form.getByRole('button', { name: 'Save' }).click());
    d.saved = saved.status;
    d.sent = saved.request;
    expect(saved.status === 201 && saved.body?.id, `POST /autopost: ${JSON.stringify(saved)}`);
    expect(saved.request?.lastUrl === 'https://walk-blog.example/3', `lastUrl sent: ${JSON.stringify(saved.request)}`);
    id = saved.body.id;
    await textVisible(page, TITLE);
    await textVisible(page, FEED_URL);
  });

  // 3. Two new items become two drafts, once.
  await step('3-new-items-drafts', page, async (d) => {
    expect(created, 'no feed');
    items.push(4, 5);
    const until = Date.now() + T.response;
    let made = [];
    while (Date.now() < until) {
      made = await drafts(page);
      if (made.length >= 2) break;
      await sleep(500);
    }
    d.drafts = made.map((p) => p.c);
    expect(made.length === 2, `drafts: ${JSON.stringify(d.drafts)}`);
    expect(made.every((p) => p.cm === 'AUTOPOST'), JSON.stringify(made));
    expect(d.drafts.some((c) => c.includes('https://walk-blog.example/4')), JSON.stringify(d.drafts));
    expect(d.drafts.some((c) => c.includes('https://walk-blog.example/5')), JSON.stringify(d.drafts));
    const seen = reads;
    while (reads < seen + 2 && Date.now() < until + T.action) await sleep(300);
    d.later = (await drafts(page)).length;
    expect(d.later === 2, `drafts after more runs: ${d.later}`);
  });

  // 4. The slider switches it off; Edit renames it; Delete removes it.
  await step('4-off-edit-delete', page, async (d) => {
    expect(created, 'no feed');
    const row = page.locator('div.grid').filter({ hasText: TITLE }).first();
    const off = await answer(page, 'POST', /^\/autopost\/[^/]+\/active$/, () =>
      row.locator('div.rounded-\\[100px\\]').first().click()
    );
    d.off = off.status;
    expect(off.status === 201 && off.request?.active === false && off.body?.active === false, JSON.stringify(off));
    await page.getByRole('button', { name: 'Edit', exact: true }).first().click();
    const form = page.locator('form').filter({ hasText: 'Send Test' }).last();
    await form.locator('input[name="title"]').fill(`${TITLE} renamed`);
    const edited = await answer(page, 'PUT', /^\/autopost\/[^/]+$/, () =>
      form.getByRole('button', { name: 'Save' }).click()
    );
    d.edited = edited.status;
    expect(edited.status === 200, `PUT /autopost/${id}: ${JSON.stringify(edited)}`);
    await textVisible(page, `${TITLE} renamed`);
    await page.getByRole('button', { name: 'Delete', exact: true }).first().click();
    const deleted = await answer(page, 'DELETE', /^\/autopost\/[^/]+$/, () =>
      page.getByRole('button', { name: /^Yes/ }).last().click()
    );
    d.deleted = deleted.status;
    expect(deleted.status === 200, `DELETE /autopost: ${JSON.stringify(deleted)}`);
    await page.getByText(`${TITLE} renamed`).first().waitFor({ state: 'hidden', timeout: T.action });
  });

  await sleep(300);
  await browser.close();
  server.close();
  finish();
}

main().catch(fail);
