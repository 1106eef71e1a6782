// The admin web's browser tests share this: Debian's Chromium through playwright-core (skipped with a warning
// when it is missing, unless REQUIRE_BROWSER=1), the built admin web (the server serves admin-web/dist only if it
// exists when it starts), a page per person in its own context (own cookies), screenshots and signing in.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { TEST_ADMIN } from './server.ts';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const REQUIRE_BROWSER = process.env.REQUIRE_BROWSER === '1';
/** Run the suite: a browser is there, or its absence must fail it (CI). */
export const RUN_BROWSER_TESTS = existsSync(CHROMIUM) || REQUIRE_BROWSER;

const ADMIN_DIST_INDEX = fileURLToPath(new URL('../../admin-web/dist/index.html', import.meta.url));
// Runs write their screenshots to test-results/ (ignored); UPDATE_SCREENSHOTS=1 refreshes the committed ones in docs/.
const SHOTS = fileURLToPath(
  new URL(process.env.UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots/' : '../../test-results/screenshots/', import.meta.url),
);
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Says on the console why a browser suite does not run (call at module level, next to describe.skipIf). */
export function warnIfSkipped(suite: string): void {
  if (RUN_BROWSER_TESTS) return;
  console.warn(
    `[${suite} e2e] SKIPPED: no Chromium at ${CHROMIUM}. Install it with ` +
      '`apt-get install -y chromium fonts-wqy-microhei`, or set REQUIRE_BROWSER=1 to make this a failure.',
  );
}

/** Builds the admin web if it has not been, makes the screenshot folder, starts Chromium. Before startServer. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM}`);
  if (!existsSync(ADMIN_DIST_INDEX)) {
    const { build } = await import('vite');
    await build({ configFile: fileURLToPath(new URL('../../admin-web/vite.config.ts', import.meta.url)), logLevel: 'warn' });
  }
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A person at their own desk: a fresh context (cookies, storage) in Chinese and China time, and its page. */
export async function openPage(browser: Browser): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page };
}

/** Saves the page as `name`.png, once its transitions, hover highlights and messages are gone. */
export async function screenshot(page: Page, name: string, opts: { fullPage?: boolean } = {}): Promise<void> {
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.mouse.move(1, 1); // no hover highlight in the picture
  await page.waitForTimeout(400); // let Element Plus's 0.3 s transitions finish
  await page.locator('.el-message').first().waitFor({ state: 'detached', timeout: 5_000 }).catch(() => undefined);
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: opts.fullPage ?? false });
}

/** Fills the login form of a page that shows it and waits to be let in. */
export async function signIn(page: Page, who: { username: string; password: string } = TEST_ADMIN): Promise<void> {
  await page.fill('input[data-test=username]', who.username);
  await page.fill('input[data-test=password]', who.password);
  await page.click('[data-test=login-submit]');
  await page.waitForURL((u) => !u.pathname.endsWith('/login'));
}

/** The expected ¥ text, computed with integers only (the page must agree to the fen). */
export function yuan(fen: number): string {
  const digits = String(fen).padStart(3, '0');
  return `¥${digits.slice(0, -2).replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${digits.slice(-2)}`;
}

/** Clicks the primary button of the Element Plus confirm box with this class; answers the box's text. */
export async function confirmBox(page: Page, boxClass = 'refund-confirm'): Promise<string> {
  const box = page.locator(`.${boxClass}`);
  await box.waitFor();
  const text = (await box.textContent()) ?? '';
  await box.locator('.el-button--primary').click();
  return text;
}
