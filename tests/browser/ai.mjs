// Browser walk of the unmodified Postiz web app's AI features with our OpenAI fake.
//
// tests/tests/suite/browser_walk.rs starts the backend (OPENAI_API_KEY/OPENAI_BASE_URL on
// the OpenAI fake, a Mastodon fake for the agent to post to), the web app (billing off) and
// then this script. Environment: FRONTEND_URL, BACKEND_URL, MASTODON_CODE (the code the
// Mastodon fake accepts), OUT_DIR (screenshots + report.json), CHROMIUM_PATH, TIMEOUT_SCALE.
//
// The fake's script (tests/src/fakes/openai.rs): in the editor, "posts: a | b" makes the
// model call the browser's setPosts action; anything else is echoed as "You said: <text>".
// On the agents page, "schedule <text>" lists the channels, schedules <text> on the first
// one for 2030-01-15T10:00:00Z and answers "Done: ...". Pictures are a 1x1 PNG.
//
// Exit code: 0 when every step passed with no backend answer >= 400 and no crash screen;
// 1 otherwise; 2 when the walk could not run.

import {
  answer,
  backendGet,
  expect,
  FRONTEND_URL,
  pathOf,
  SCALE,
  signUp,
  sleep,
  snippet,
  stamp,
  T,
  textVisible,
  walk,
} from './kit.mjs';

const MASTODON_CODE = process.env.MASTODON_CODE || '';
const EMAIL = `ai-${stamp}@example.com`;
const PASSWORD = `Ai-walk-${stamp}-pw`;
const COMPANY = `AI Co ${stamp}`;
const AGENT_TEXT = 'Hello from the agent walk';

const { shot, step, open, finish, fail } = walk('ai');
const runs = []; // every CopilotKit chat run (generateCopilotResponse): {endpoint, status, type}

// The first `n` chat runs posted to `endpoint`, once there are that many. Only status and
// content type: Chromium keeps no body of a streamed answer (what it carried shows in the page).
async function runsOn(endpoint, n) {
  const deadline = Date.now() + T.response;
  for (;;) {
    const list = runs.filter((r) => r.endpoint === endpoint);
    if (list.length >= n) return list.slice(0, n);
    expect(Date.now() < deadline, `${list.length} of ${n} runs on ${endpoint}: ${JSON.stringify(list)}`);
    await sleep(200);
  }
}
const multipart = (run) => run.status === 200 && run.type.startsWith('multipart/mixed');

async function waitCalendar(page) {
  await page.waitForURL(/\/launches/, { timeout: T.nav });
  await page.getByRole('button', { name: 'Add Channel' }).first().waitFor({ state: 'visible', timeout: T.nav });
}

async function main() {
  expect(MASTODON_CODE, 'MASTODON_CODE (the Mastodon fake) is required');
  const { browser, page } = await open({
    onResponse: (resp) => {
      if ((resp.request().postData() || '').includes('"operationName":"generateCopilotResponse"')) {
        const type = resp.headers()['content-type'] || '';
        runs.push({ endpoint: pathOf(resp.url()), status: resp.status(), type });
      }
    },
  });

  // 1. Sign up (billing off: straight to the calendar), through the onboarding if shown.
  const signedUp = await step('1-signup', page, async (d) => {
    await signUp(page, { email: EMAIL, password: PASSWORD, company: COMPANY });
    await page.waitForURL(/\/launches/, { timeout: T.nav });
    const onboarding = page.getByText('Connect Your Channels', { exact: true });
    const shown = onboarding.waitFor({ state: 'visible', timeout: 15000 * SCALE });
    d.onboarding = await shown.then(() => true, () => false);
    if (d.onboarding) {
      await page.getByRole('button', { name: /Continue( without channels)?/ }).first().click();
      await page.getByRole('button', { name: /Get Started/ }).click();
      await onboarding.waitFor({ state: 'hidden', timeout: T.action });
    }
    await waitCalendar(page);
    const me = await backendGet(page, '/user/self');
    d.tier = me.body?.tier; // the app offers "AI Image" when the tier allows AI
  });

  // 2. A Mastodon channel for the agent: the fake has no consent page, so the walk asks the
  // backend for the OAuth URL and lands on the app's own return page with the fake's code.
  const connected = await step('2-connect-mastodon', page, async (d) => {
    expect(signedUp, 'sign-up failed');
    const start = await backendGet(page, '/integrations/social/mastodon');
    const state = new URL(start.body?.url || 'http://x/').searchParams.get('state');
    expect(start.status === 200 && state, `GET /integrations/social/mastodon: ${JSON.stringify(start)}`);
    const back = `${FRONTEND_URL}/integrations/social/mastodon?${new URLSearchParams({ code: MASTODON_CODE, state })}`;
    const connect = await answer(page, 'POST', /^\/integrations\/social-connect\/mastodon$/, () =>
      page.goto(back, { waitUntil: 'domcontentloaded', timeout: T.nav })
    );
    d.connect = connect.status;
    expect([200, 201].includes(connect.status), `POST /integrations/social-connect: ${JSON.stringify(connect)}`);
    await waitCalendar(page);
    await page.locator('img[alt="mastodon"]').first().waitFor({ state: 'visible', timeout: T.nav });
  });

  // 3. The editor's assistant (CopilotPopup): "posts: a | b" makes the model call the
  // editor's setPosts action, run in the browser, which fills the editor.
  const popup = page.locator('.copilotKitWindow');
  const editorOpen = await step('3-editor-assistant', page, async (d) => {
    expect(signedUp, 'sign-up failed');
    await page.getByRole('button', { name: 'Create Post' }).first().click();
    await page.locator('#social-content .ProseMirror').first().waitFor({ state: 'visible', timeout: T.nav });
    await page.locator('.copilotKitButton').click();
    const input = popup.locator('.copilotKitInput textarea');
    await input.waitFor({ state: 'visible' });
    await textVisible(popup, 'Hi! I can help you to refine your social media posts.');
    await input.fill('posts: Hello from the AI | Second post of the thread');
    await input.press('Enter');
    // setPosts ran: the editor holds both posts; the follow-up run answers after it.
    const second = page.locator('.ProseMirror').filter({ hasText: 'Second post of the thread' });
    await second.first().waitFor({ timeout: T.response });
    d.editor = snippet((await page.locator('.ProseMirror').allInnerTexts()).join(' | '), 200);
    expect(d.editor.includes('Hello from the AI'), `editor: ${d.editor}`);
    // Two runs: the one calling setPosts, then the follow-up carrying its result.
    d.runs = await runsOn('/copilot/chat', 2);
    expect(d.runs.every(multipart), `POST /copilot/chat: ${JSON.stringify(d.runs)}`);
    await textVisible(popup, 'The posts are in the editor.', T.response);
    await shot(page, 'editor-filled-by-assistant');
    // A plain message: the model's text, streamed back into the popup.
    await input.fill('What can you do?');
    await input.press('Enter');
    d.plain = (await runsOn('/copilot/chat', 3))[2];
    expect(multipart(d.plain), `POST /copilot/chat: ${JSON.stringify(d.plain)}`);
    await textVisible(popup.locator('.copilotKitAssistantMessage'), 'You said: What can you do?', T.response);
  });

  // 4. "AI Image" under the editor: the prompt goes to /media/generate-image-with-prompt,
  // the picture lands in the media library and is attached to the post.
  await step('4-ai-image', page, async (d) => {
    expect(editorOpen, 'the editor assistant step failed');
    await page.locator('.copilotKitButton').click(); // close the popup
    await page.locator('.copilotKitWindow.open').waitFor({ state: 'detached' });
    await page.locator('#social-content').getByText('AI Image', { exact: true }).first().click();
    await textVisible(page, 'Generate AI Image');
    await page.getByPlaceholder('Describe the image you want to generate').fill('A lighthouse at dawn');
    await page.getByText('Watercolor', { exact: true }).click();
    const generate = () => page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gen = await answer(page, 'POST', /^\/media\/generate-image-with-prompt$/, generate, T.nav);
    d.generate = { status: gen.status, body: gen.body };
    expect(gen.status === 201 && gen.body?.path, `POST /media/generate-image-with-prompt: ${JSON.stringify(gen)}`);
    const file = gen.body.path.split('/').pop();
    const thumb = page.locator(`#social-content img[src*="${file}"]`).first();
    await thumb.waitFor({ state: 'visible', timeout: T.response });
    const loaded = (img) => img.complete && img.naturalWidth > 0;
    d.loaded = await page.waitForFunction(loaded, await thumb.elementHandle(), { timeout: T.response }).then(
      () => true,
      () => false
    );
    expect(d.loaded, `the picture ${gen.body.path} did not load`);
  });

  // 5. The agents page: the agent schedules a post on the Mastodon channel.
  const agentRan = await step('5-agent-schedules', page, async (d) => {
    expect(connected, 'no channel connected');
    await page.goto(FRONTEND_URL + '/agents', { waitUntil: 'domcontentloaded', timeout: T.nav });
    await page.waitForURL(/\/agents\/new$/, { timeout: T.nav });
    const input = page.locator('.copilotKitInput textarea');
    await input.waitFor({ state: 'visible', timeout: T.nav });
    await textVisible(page, 'I am your Postiz agent', T.nav);
    await input.fill(`schedule ${AGENT_TEXT}`);
    await input.press('Enter');
    d.run = (await runsOn('/copilot/agent', 1))[0];
    expect(multipart(d.run), `POST /copilot/agent: ${JSON.stringify(d.run)}`);
    const reply = page.locator('.copilotKitAssistantMessage').filter({ hasText: 'Done:' }).first();
    await reply.waitFor({ state: 'visible', timeout: T.response });
    d.reply = snippet(await reply.innerText(), 200);
    // The post exists, on the channel, on the agent's date.
    const week = '/posts?startDate=2030-01-14T00:00:00.000Z&endDate=2030-01-21T00:00:00.000Z';
    const posts = await backendGet(page, week);
    // Postiz's minified calendar shape: p = posts, i = id, c = content, d = date, n.pi = provider.
    const post = (posts.body?.p || []).find((p) => String(p.c).includes(AGENT_TEXT));
    d.post = post ? { id: post.i, date: post.d, provider: post.n?.pi, state: post.s } : null;
    expect(posts.status === 200 && post, `GET ${week}: ${snippet(JSON.stringify(posts), 300)}`);
    expect(String(post.d).startsWith('2030-01-15T10:00:00') && post.n?.pi === 'mastodon', JSON.stringify(d.post));
  });

  // 6. The thread is listed in the right sidebar after a reload, and opens with its messages.
  await step('6-agent-thread', page, async (d) => {
    expect(agentRan, 'the agent did not run');
    const list = await answer(page, 'GET', /^\/copilot\/list$/, () =>
      page.reload({ waitUntil: 'domcontentloaded', timeout: T.nav })
    );
    d.threads = list.body?.threads;
    expect(list.status === 200 && d.threads?.length === 1, `GET /copilot/list: ${JSON.stringify(list.body)}`);
    const link = page.locator(`a[href="/agents/${d.threads[0].id}"]`);
    await link.waitFor({ state: 'visible', timeout: T.nav });
    d.title = await link.innerText();
    const history = await answer(page, 'GET', /^\/copilot\/[^/]+\/list$/, () => link.click());
    d.messages = (history.body?.messages || []).map((m) => `${m.role}: ${snippet(m.content?.content, 60)}`);
    expect(history.status === 200 && d.messages.length >= 2, `GET /copilot/<id>/list: ${JSON.stringify(d.messages)}`);
    await page.waitForURL(new RegExp(`/agents/${d.threads[0].id}$`));
    await textVisible(page.locator('.copilotKitUserMessage'), `schedule ${AGENT_TEXT}`, T.nav);
    await textVisible(page.locator('.copilotKitAssistantMessage'), 'Done:', T.nav);
  });

  // 7. The calendar's week of 2030-01-15 shows the agent's post.
  await step('7-calendar-shows-agent-post', page, async () => {
    expect(agentRan, 'the agent did not run');
    await page.goto(`${FRONTEND_URL}/launches?display=week&startDate=2030-01-14&endDate=2030-01-20`, {
      waitUntil: 'domcontentloaded',
      timeout: T.nav,
    });
    await waitCalendar(page);
    const preview = page.getByText(AGENT_TEXT).first();
    await preview.waitFor({ state: 'visible', timeout: T.nav });
    await preview.scrollIntoViewIfNeeded(); // for the screenshot: Tuesday 10:00
  });

  await browser.close();
  finish();
}

main().catch(fail);
