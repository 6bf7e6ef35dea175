// Browser walk of the unmodified Postiz web app's short links and administrators' pages
// against our backend.
//
// tests/tests/suite/browser_walk.rs starts the backend (billing off, a fake Mastodon, the
// built-in shortener on the backend's own URL, the walk's email a platform administrator) and
// the web app, then this script. Environment: FRONTEND_URL, BACKEND_URL, OUT_DIR (screenshots +
// report.json), CHROMIUM_PATH, TIMEOUT_SCALE, MASTODON_CODE, ADMIN_EMAIL.
//
// It signs up (as the administrator) and connects a Mastodon channel, writes a post with a link
// in the editor and publishes it now; the app asks whether to shorten the links (the
// preference is ASK) and the walk answers "Yes, shortlink it!": the post goes out with a short
// link of this backend, which redirects to the original URL and counts the click in the post's
// statistics. Then the administrators' pages: Admin Stats shows the published post and the
// connected channel, the errors page loads; the administrators' bar finds another account by
// its email, the app reloads acting as that member, and its red X ends it.
//
// Exit code: 0 when every step passed with no backend answer >= 400 and no crash screen;
// 1 otherwise; 2 when the walk could not run.

import {
  answer,
  backendCall,
  BACKEND_URL,
  expect,
  FRONTEND_URL,
  signUpWithMastodon,
  sleep,
  stamp,
  T,
  textVisible,
  walk,
} from './kit.mjs';

const EMAIL = process.env.ADMIN_EMAIL || `links-${stamp}@example.com`;
const PASSWORD = `Links-walk-${stamp}-pw`;
const COMPANY = `Links Co ${stamp}`;
const LINK = `https://walk-blog.example/launch-${stamp}?ref=walk&n=1`;
const TEXT = `Read the launch notes ${LINK} today`;

const { step, open, finish, fail } = walk('links');

async function main() {
  const { browser, page } = await open();
  let postId = null;
  let short = null;

  // 1. Sign up (billing off: straight to the calendar), through the onboarding if shown; then a
  // Mastodon channel on the fake network.
  const ready = await step('1-signup-channel', page, async (d) => {
    d.channel = await signUpWithMastodon(page, { email: EMAIL, password: PASSWORD, company: COMPANY }, d);
  });

  // 2. The editor: the Mastodon channel, a text with a link, "Post now"; the app asks about
  // short links and gets "Yes".
  const posted = await step('2-post-with-short-link', page, async (d) => {
    expect(ready, 'no channel');
    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    const createBtn = page.getByRole('button', { name: 'Create Post' }).first();
    await createBtn.waitFor({ state: 'visible', timeout: T.nav });
    await createBtn.click();
    const editor = page.locator('.ProseMirror').first();
    await editor.waitFor({ state: 'visible', timeout: T.nav });
    await page.locator('#social-content img[alt="mastodon"]').first().click();
    const addBtn = page.getByRole('button', { name: /Add to calendar/i });
    await addBtn.waitFor({ state: 'visible', timeout: T.action });
    await editor.click();
    await page.keyboard.type(TEXT, { delay: 10 });
    await sleep(1000);
    await addBtn.hover();
    const postNow = page.locator('.post-now').first();
    await postNow.waitFor({ state: 'visible', timeout: T.action });
    const asked = answer(page, 'POST', /^\/posts\/should-shortlink$/, async () => {}, T.nav);
    const created = answer(page, 'POST', /^\/posts$/, async () => {}, T.nav);
    await postNow.click();
    const question = await asked;
    d.shouldShortlink = question.body;
    expect(question.status === 201 && question.body?.ask === true, `should-shortlink: ${JSON.stringify(question)}`);
    const yes = page.getByRole('button', { name: /Yes, shortlink it!/ });
    await yes.waitFor({ state: 'visible', timeout: T.action });
    await yes.click();
    const saved = await created;
    d.create = saved.status;
    expect(saved.status === 201, `POST /posts: ${JSON.stringify(saved)}`);
    expect(saved.request?.shortLink === true, `shortLink sent: ${JSON.stringify(saved.request)}`);
    postId = saved.body?.[0]?.postId;
    expect(postId, 'no post id');
  });

  // 3. The saved post carries a short link of this backend instead of the original.
  const shortened = await step('3-short-link-saved', page, async (d) => {
    expect(posted, 'no post');
    const deadline = Date.now() + T.nav;
    let thread = null;
    while (Date.now() < deadline) {
      thread = await backendCall(page, 'GET', `/posts/${postId}`);
      if (thread.body?.posts?.[0]?.state === 'PUBLISHED') break;
      await sleep(1000);
    }
    const content = thread.body?.posts?.[0]?.content || '';
    d.content = content;
    d.state = thread.body?.posts?.[0]?.state;
    const found = content.match(new RegExp(`${BACKEND_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/l/[A-Za-z0-9]+`));
    expect(found, `no short link in ${content}`);
    expect(!content.includes('walk-blog.example'), 'the original link is still there');
    expect(d.state === 'PUBLISHED', `state ${d.state}`);
    short = found[0];
    d.short = short;
  });

  // 4. The short link redirects to the original (a person's click), and the post's statistics
  // count it.
  await step('4-redirect-and-clicks', page, async (d) => {
    expect(shortened, 'no short link');
    const r = await fetch(short, {
      redirect: 'manual',
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36' },
    });
    d.status = r.status;
    d.location = r.headers.get('location');
    expect(r.status === 302, `redirect status ${r.status}`);
    expect(d.location === LINK, `location ${d.location}`);
    const stats = await backendCall(page, 'GET', `/posts/${postId}/statistics`);
    d.statistics = stats.body;
    expect(stats.body?.clicks?.[0]?.clicks === 1, `statistics: ${JSON.stringify(stats.body)}`);
    expect(stats.body?.clicks?.[0]?.short === short, 'the short link in the statistics');
  });

  // 5. Admin Stats (the walk's account is a platform administrator): the published post and the
  // connected channel.
  await step('5-admin-stats', page, async (d) => {
    const stats = await answer(page, 'GET', /^\/admin\/stats$/, () =>
      page.goto(FRONTEND_URL + '/admin/stats', { waitUntil: 'domcontentloaded', timeout: T.nav })
    );
    d.stats = { posts: stats.body?.posts, connected: stats.body?.connected };
    expect(stats.status === 200, `GET /admin/stats: ${stats.status}`);
    expect(stats.body?.posts?.total >= 1, JSON.stringify(stats.body));
    await textVisible(page, 'Admin Stats');
    await textVisible(page, 'Total posts published');
  });

  // 6. The errors page loads (no publishing errors yet).
  await step('6-admin-errors', page, async (d) => {
    const errors = await answer(page, 'GET', /^\/admin\/errors$/, () =>
      page.goto(FRONTEND_URL + '/admin/errors', { waitUntil: 'domcontentloaded', timeout: T.nav })
    );
    d.errors = errors.body;
    expect(errors.status === 200 && errors.body?.total === 0, JSON.stringify(errors));
    await textVisible(page, '0 total');
  });

  // 7. Acting as a member: another account (registered outside the browser) found by its
  // email in the administrators' bar, picked, and the app reloads as that member.
  const member = `member-${stamp}@example.com`;
  const acting = await step('7-impersonate', page, async (d) => {
    const r = await fetch(`${BACKEND_URL}/auth/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: member, password: `Member-${stamp}-pw`, company: `Member Co ${stamp}`, provider: 'LOCAL' }),
    });
    d.register = r.status;
    expect(r.status === 200, `register the member: ${r.status}`);
    await page.goto(FRONTEND_URL + '/launches', { waitUntil: 'domcontentloaded', timeout: T.nav });
    const search = page.locator('input[name="impersonate"]');
    await search.waitFor({ state: 'visible', timeout: T.nav });
    const found = await answer(page, 'GET', /^\/user\/impersonate$/, () => search.fill(member));
    d.found = found.body;
    expect(found.status === 200 && found.body?.length === 1, JSON.stringify(found));
    const started = await answer(page, 'POST', /^\/user\/impersonate$/, () =>
      page.getByText(member).first().click()
    );
    d.start = started.status;
    expect(started.status === 201, `POST /user/impersonate: ${started.status}`);
    await textVisible(page, 'Currently Impersonating', T.nav);
    const self = await backendCall(page, 'GET', '/user/self');
    d.self = { email: self.body?.email, impersonate: self.body?.impersonate };
    expect(self.body?.email === member && self.body?.impersonate === true, JSON.stringify(d.self));
  });

  // 8. Stopping (the red X): the administrator again.
  await step('8-stop-impersonating', page, async (d) => {
    expect(acting, 'not acting as the member');
    const stopped = await answer(page, 'POST', /^\/user\/impersonate$/, () =>
      page.getByText('X', { exact: true }).first().click()
    );
    d.stop = { status: stopped.status, request: stopped.request };
    expect(stopped.status === 201, `POST /user/impersonate: ${stopped.status}`);
    await page.locator('input[name="impersonate"]').waitFor({ state: 'visible', timeout: T.nav });
    const self = await backendCall(page, 'GET', '/user/self');
    d.self = { email: self.body?.email, impersonate: self.body?.impersonate };
    expect(self.body?.email === EMAIL && self.body?.impersonate === false, JSON.stringify(d.self));
  });

  await browser.close();
}

main().then(finish, fail);
