// The merchant admin web in a real Chromium against a real server in sandbox mode: log in, find the
// oldest waiting request, read its story, approve / reject / retry a failed refund, and save screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, TEST_ADMIN, type TestServer } from '../helpers/server.ts';
import { buyerLogin, placePaidOrder, requestRefund, sandboxControl } from '../helpers/api.ts';
import { confirmBox as confirmIn, launchBrowser, openPage, RUN_BROWSER_TESTS, screenshot, signIn, warnIfSkipped, yuan } from '../helpers/browser.ts';

/** Approve → REFUNDED goes through the dispatcher and the sandbox's notification. */
const SETTLE_MS = 30_000;

warnIfSkipped('admin-web');

interface Story {
  orderNo: string;
  refundNo: string;
  amountFen: number;
  reason: string;
}

describe.skipIf(!RUN_BROWSER_TESTS)('merchant admin web in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let buyer: string;
  const stories: Story[] = [];
  const [oldest, toReject, toFail, toCancel, fromQueue] = [0, 1, 2, 3, 4];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startServer();
    buyer = await buyerLogin(server.baseUrl);
    const reasons = ['尺码不合适，想退货', '买重复了', '包装破损', '不想要了', '收到的是旧款'];
    for (let i = 0; i < reasons.length; i++) {
      const order = await placePaidOrder(server.baseUrl, buyer, { productIndex: i % 4 });
      // a partial refund for the first, full refunds for the rest: odd fen amounts catch rounding
      const amountFen = i === 0 ? order.totalFen - 1 : order.totalFen;
      const refund = await requestRefund(server.baseUrl, buyer, order.orderNo, amountFen, reasons[i]);
      stories.push({ orderNo: order.orderNo, refundNo: refund.refundNo, amountFen, reason: reasons[i] });
      await new Promise((resolve) => setTimeout(resolve, 30)); // distinct request times
    }

    ({ context, page } = await openPage(browser));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const url = (path: string) => `${server.baseUrl}/admin${path}`;
  const shot = (name: string) => screenshot(page, name);
  const statusOf = async () => page.locator('[data-test=detail-status]').getAttribute('data-status');

  async function waitForStatus(status: string, timeout = SETTLE_MS): Promise<void> {
    await page.locator(`[data-test=detail-status][data-status=${status}]`).waitFor({ timeout });
  }

  const login = () => signIn(page);
  const confirmBox = () => confirmIn(page);

  it('sends a visitor to the login page and shows the server’s error for a wrong password', async () => {
    await page.goto(url('/'));
    await page.waitForURL(/\/admin\/login/);
    await page.locator('input[data-test=username]').waitFor();
    await shot('admin-login');

    await page.fill('input[data-test=username]', TEST_ADMIN.username);
    await page.fill('input[data-test=password]', `${TEST_ADMIN.password}-wrong`);
    await page.click('[data-test=login-submit]');
    const error = page.locator('[data-test=login-error]');
    await error.waitFor();
    expect(await error.textContent()).toContain('登录失败');
    expect(page.url()).toMatch(/\/admin\/login/);
  });

  it('explains throttling when the server answers 429', async () => {
    await page.route('**/api/admin/login', (route) =>
      route.fulfill({
        status: 429,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'RATE_LIMITED', message: 'Too many login attempts; wait a minute.' } }),
      }),
    );
    await page.fill('input[data-test=password]', TEST_ADMIN.password);
    await page.click('[data-test=login-submit]');
    const error = page.locator('[data-test=login-error]');
    await error.getByText('登录尝试过于频繁').waitFor();
    expect(await error.textContent()).toContain('Too many login attempts');
    await page.unroute('**/api/admin/login');
  });

  it('logs in and shows the dashboard with what waits for the merchant', async () => {
    await login();
    await page.waitForURL(/\/admin\/dashboard/);
    const waiting = page.locator('[data-test=card-requested] .stat-number');
    await page.waitForFunction(
      (n) => document.querySelector('[data-test=card-requested] .stat-number')?.textContent?.trim() === String(n),
      stories.length,
    );
    expect((await waiting.textContent())?.trim()).toBe(String(stories.length));
    // the longest-waiting list starts with the first request
    await page.locator('[data-test=oldest-waiting]').getByText(stories[oldest].refundNo).waitFor();
    await shot('admin-dashboard');
    // nothing secret in the browser's storage: the session is the HttpOnly cookie
    const stored = await page.evaluate(() => JSON.stringify({ ...localStorage, ...sessionStorage }));
    expect(stored).not.toMatch(/csrf|session|token/i);
    expect(await page.evaluate(() => document.cookie)).toBe('');
  });

  it('opens the queue from the card and finds the oldest waiting request by sorting', async () => {
    await page.click('[data-test=card-requested]');
    await page.waitForURL(/\/admin\/refunds\?.*status=REQUESTED/);
    const firstRefundNo = () => page.locator('.queue-table .el-table__row').first().locator('[data-test=refund-no]').textContent();
    await page.locator('.queue-table .el-table__row').nth(stories.length - 1).waitFor();
    expect((await firstRefundNo())?.trim()).toBe(stories[fromQueue].refundNo); // newest first by default

    await page.click('[data-test=queue-sort] [data-sort=oldest]');
    await page.waitForURL(/sort=oldest/);
    await page.waitForFunction(
      (no) => document.querySelector('.queue-table .el-table__row [data-test=refund-no]')?.textContent?.trim() === no,
      stories[oldest].refundNo,
    );
    const firstRow = page.locator('.queue-table .el-table__row').first();
    expect(await firstRow.locator('[data-test=amount]').textContent()).toBe(yuan(stories[oldest].amountFen));
    expect(await firstRow.locator('[data-test=waited]').textContent()).toMatch(/等待|刚刚提交/);
    expect(await page.locator('.queue-tabs [data-tab=REQUESTED]').textContent()).toContain(String(stories.length));
    await shot('admin-queue');

    // search by refund number narrows the list to that request
    await page.fill('input[data-test=queue-search]', stories[toReject].refundNo);
    await page.keyboard.press('Enter');
    await page.waitForURL(/q=/);
    await page.waitForFunction(() => document.querySelectorAll('.queue-table .el-table__row').length === 1);
    expect((await firstRefundNo())?.trim()).toBe(stories[toReject].refundNo);
    await page.goBack();
    await page.waitForURL(/sort=oldest(?!.*q=)/);
  });

  it('opens the oldest request and shows its whole story', async () => {
    await page.locator('.queue-table .el-table__row').first().waitFor();
    await page.waitForFunction(
      (no) => document.querySelector('.queue-table .el-table__row [data-test=refund-no]')?.textContent?.trim() === no,
      stories[oldest].refundNo,
    );
    await page.locator('.queue-table .el-table__row').first().locator('[data-test=refund-no]').click();
    await page.waitForURL(new RegExp(`/admin/refunds/${stories[oldest].refundNo}$`));
    await waitForStatus('REQUESTED');
    expect(await page.locator('[data-test=detail-refund-no]').textContent()).toBe(stories[oldest].refundNo);
    expect(await page.locator('[data-test=requested-amount]').textContent()).toBe(yuan(stories[oldest].amountFen));
    expect(await page.locator('[data-test=paid-amount]').textContent()).toBe(yuan(stories[oldest].amountFen + 1));
    expect(await page.locator('[data-test=buyer-reason]').textContent()).toBe(stories[oldest].reason);
    expect(await page.locator('[data-test=order-lines] .el-table__row').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-test=timeline]').textContent()).toContain('待审核');
    // only the actions the server allows
    expect(await page.locator('[data-test=approve]').isVisible()).toBe(true);
    expect(await page.locator('[data-test=reject]').isVisible()).toBe(true);
    expect(await page.locator('[data-test=retry]').count()).toBe(0);
    await shot('admin-refund-detail');
  });

  it('approves after a confirm showing the amount, and follows it to 已退款', async () => {
    await page.click('[data-test=approve]');
    expect(await confirmBox()).toContain(yuan(stories[oldest].amountFen));
    await waitForStatus('REFUNDED');
    expect(await page.locator('[data-test=detail-status]').textContent()).toContain('已退款');
    expect(await page.locator('[data-test=timeline]').textContent()).toContain('已退款');
    expect(await page.locator('[data-test=wechat-calls] .el-table__row').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-test=refunded-amount]').textContent()).toBe(yuan(stories[oldest].amountFen));
    expect(await page.locator('[data-test=approve]').count()).toBe(0);
    await shot('admin-refund-refunded');
  });

  it('rejects with a required reason, after a reload (CSRF token recovered from /me)', async () => {
    await page.goto(url(`/refunds/${stories[toReject].refundNo}`));
    await waitForStatus('REQUESTED');
    await page.click('[data-test=reject]');
    const dialog = page.locator('.reject-dialog');
    await dialog.waitFor();
    await dialog.locator('[data-test=reject-submit]').click();
    await dialog.getByText('请填写拒绝原因', { exact: true }).waitFor();
    await dialog.getByText('商品已发货').click();
    await dialog.locator('textarea[data-test=reject-note]').fill('快递单号 SF1234567890');
    await dialog.locator('[data-test=reject-submit]').click();
    await waitForStatus('REJECTED');
    expect(await page.locator('[data-test=detail-status]').textContent()).toContain('已拒绝');
    expect(await page.locator('[data-test=reject-reason]').textContent()).toBe('商品已发货：快递单号 SF1234567890');
  });

  it('shows 退款失败 with WeChat’s code when the refund is refused, then retries it to 已退款', async () => {
    const fault = await sandboxControl(server, 'PUT', '/sandbox/faults', {
      refund: [{ code: 'USER_ACCOUNT_ABNORMAL', times: 1 }],
    });
    expect(fault.status).toBeLessThan(300);

    await page.goto(url(`/refunds/${stories[toFail].refundNo}`));
    await waitForStatus('REQUESTED');
    await page.click('[data-test=approve]');
    await confirmBox();
    await waitForStatus('FAILED');
    expect(await page.locator('[data-test=detail-status]').textContent()).toContain('退款失败');
    expect(await page.locator('[data-test=failed-alert]').textContent()).toContain('USER_ACCOUNT_ABNORMAL');
    expect(await page.locator('[data-test=wechat-calls] [data-test=err-code]').first().textContent()).toBe('USER_ACCOUNT_ABNORMAL');
    await shot('admin-refund-failed');

    await page.click('[data-test=retry]');
    await confirmBox();
    await waitForStatus('REFUNDED', 120_000);
    expect(await page.locator('[data-test=detail-status]').textContent()).toContain('已退款');
  }, 180_000);

  it('says why when someone else moved the refund first (409) and shows the new state', async () => {
    await page.goto(url(`/refunds/${stories[toCancel].refundNo}`));
    await waitForStatus('REQUESTED');
    const cancelled = await fetch(`${server.baseUrl}/api/mp/refunds/${stories[toCancel].refundNo}/cancel`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${buyer}` },
    });
    expect(cancelled.status).toBe(200);

    await page.click('[data-test=approve]');
    await confirmBox();
    const warning = page.locator('.el-message--warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('操作未完成');
    await waitForStatus('CANCELLED');
    expect(await statusOf()).toBe('CANCELLED');
  });

  it('approves straight from the queue, and the queue follows the refund by itself until it is final', async () => {
    await page.click('[data-nav=refunds]');
    await page.waitForURL(/\/admin\/refunds/);
    await page.click('.queue-tabs [data-tab=ALL]');
    await page.waitForURL(/status=ALL/);
    await page.fill('input[data-test=queue-search]', stories[fromQueue].refundNo);
    await page.keyboard.press('Enter');
    const row = page.locator('.queue-table .el-table__row').filter({ hasText: stories[fromQueue].refundNo });
    await row.locator('[data-test=row-approve]').click();
    expect(await confirmBox()).toContain(yuan(stories[fromQueue].amountFen));
    await row.locator('.refund-status[data-status=REFUNDED]').waitFor({ timeout: SETTLE_MS });
    expect(await row.locator('[data-test=row-approve]').count()).toBe(0);
  });

  it('filters the queue by request date (China time), straight from a shared link', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    await page.goto(url('/refunds?status=ALL&from=2000-01-01&to=2000-01-31'));
    await page.locator('.queue-table').getByText('暂无符合条件的退款申请').waitFor();
    expect(await page.locator('.toolbar .dates input').first().inputValue()).toBe('2000-01-01');

    await page.goto(url(`/refunds?status=ALL&from=${today}&to=${today}`));
    await page.locator('.queue-table .el-table__row').nth(stories.length - 1).waitFor();
    expect(await page.locator('.queue-table .el-table__row').count()).toBe(stories.length);
  });

  it('counts today’s refunds on the dashboard', async () => {
    await page.click('[data-nav=dashboard]');
    await page.waitForURL(/\/admin\/dashboard/);
    await page.locator('[data-test=refunded-today-count]').getByText('3 笔').waitFor();
    const amount = stories[oldest].amountFen + stories[toFail].amountFen + stories[fromQueue].amountFen;
    expect(await page.locator('[data-test=card-refunded-today] .stat-number').textContent()).toBe(yuan(amount));
    expect((await page.locator('[data-test=card-requested] .stat-number').textContent())?.trim()).toBe('0');
  });

  it('lists orders and opens one with its refunds, linking to the refund', async () => {
    await page.click('[data-nav=orders]');
    await page.waitForURL(/\/admin\/orders/);
    await page.locator('.orders-table').getByText(stories[toReject].orderNo).click();
    await page.waitForURL(new RegExp(`/admin/orders/${stories[toReject].orderNo}$`));
    const refunds = page.locator('[data-test=order-refunds]');
    await refunds.getByText(stories[toReject].refundNo).click();
    await page.waitForURL(new RegExp(`/admin/refunds/${stories[toReject].refundNo}$`));
    await waitForStatus('REJECTED');
  });

  it('switches to English and back', async () => {
    await page.click('[data-test=lang-switch]');
    await page.locator('[data-test=logout]').getByText('Log out').waitFor();
    expect(await page.locator('[data-test=detail-status]').textContent()).toContain('Rejected');
    await page.click('[data-test=lang-switch]');
    await page.locator('[data-test=logout]').getByText('退出登录').waitFor();
  });

  it('goes back to login when the session expires, and logs out', async () => {
    await context.clearCookies();
    await page.click('[data-nav=refunds]');
    await page.waitForURL(/\/admin\/login\?.*expired=1/);
    await page.getByText('登录已过期').waitFor();

    await login();
    await page.click('[data-test=logout]');
    await page.waitForURL(/\/admin\/login/);
    await page.goto(url('/dashboard'));
    await page.waitForURL(/\/admin\/login/);
  });
});
