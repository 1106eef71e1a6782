// An abnormal refund in a real Chromium against a real server in sandbox mode: WeChat Pay cannot send the money
// back to the buyer's card (closed or frozen). Over APIv3 (ABNORMAL) the page explains the two ways out, and the
// owner sends it to the merchant's bank card (apply-abnormal-refund): REFUNDING, then REFUNDED after the sandbox's
// settle delay, with the step in the history and a reminder to pay the buyer another way; a warehouse or
// customer-service person reads the merchant-platform instruction and gets no button. Over APIv2 (CHANGE) there is
// no such call: the page points to the merchant platform and offers no button. One server per protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServer, TEST_ADMIN, type TestServer } from '../helpers/server.ts';
import {
  adminRefund,
  adminSession,
  buyerLogin,
  placePaidOrder,
  requestRefund,
  sandboxControl,
  waitForRefundStatus,
  type AdminSession,
} from '../helpers/api.ts';
import { confirmBox, launchBrowser, openPage, RUN_BROWSER_TESTS, screenshot, signIn, warnIfSkipped, yuan } from '../helpers/browser.ts';

warnIfSkipped('admin-abnormal');

const WAREHOUSE = { username: 'wh_abnormal', password: 'warehouse-pass-123', role: 'WAREHOUSE' };
const SERVICE = { username: 'cs_abnormal', password: 'service-pass-456', role: 'SERVICE' };
/** Long enough for the page to show REFUNDING before the sandbox settles apply-abnormal-refund. */
const SETTLE_DELAY_MS = 2500;
const SETTLE_MS = 30_000;

const PLATFORM_PATH = '商户平台 → 交易中心 → 退款管理';
const CARD_GONE = '买家的银行卡已注销或冻结，退款无法原路退回';

interface Failed {
  refundNo: string;
  amountFen: number;
}

/** A paid order's full refund, approved, that the sandbox settles as `status`: FAILED with that failCode. */
async function abnormalRefund(server: TestServer, owner: AdminSession, status: 'ABNORMAL' | 'CHANGE'): Promise<Failed> {
  const buyer = await buyerLogin(server.baseUrl);
  const order = await placePaidOrder(server.baseUrl, buyer);
  const { refundNo } = await requestRefund(server.baseUrl, buyer, order.orderNo, order.totalFen, '不想要了');
  const fault = await sandboxControl(server, 'PUT', '/sandbox/faults', { settleAs: [{ status, times: 1, outRefundNo: refundNo }] });
  expect(fault.status).toBeLessThan(300);
  const approved = await owner.call('POST', `/api/admin/refunds/${refundNo}/approve`);
  expect(approved.status).toBe(200);
  const failed = await waitForRefundStatus(owner, refundNo, 'FAILED', SETTLE_MS);
  expect(failed.failCode).toBe(status);
  return { refundNo, amountFen: order.totalFen };
}

async function addStaff(owner: AdminSession, who: { username: string; password: string; role: string }): Promise<void> {
  const r = await owner.call('POST', '/api/admin/staff', who);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

describe.skipIf(!RUN_BROWSER_TESTS)('an abnormal refund in Chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  /** A person's page, signed in, at a refund's detail once it shows `status`. */
  async function openRefund(server: TestServer, page: Page, refundNo: string, status: string): Promise<void> {
    await page.goto(`${server.baseUrl}/admin/refunds/${refundNo}`);
    await page.locator(`[data-test=detail-status][data-status=${status}]`).waitFor({ timeout: SETTLE_MS });
  }

  async function signedIn(server: TestServer, who: { username: string; password: string } = TEST_ADMIN): Promise<Page> {
    const { page } = await openPage(browser);
    await page.goto(`${server.baseUrl}/admin/`);
    await signIn(page, who);
    await page.waitForURL(/\/admin\/dashboard/);
    return page;
  }

  describe('over APIv3 (ABNORMAL)', () => {
    let server: TestServer;
    let api: AdminSession;
    let owner: Page;
    let refund: Failed;

    beforeAll(async () => {
      server = await startServer({ env: { WXPAY_API_VERSION: 'v3', SANDBOX_SETTLE_DELAY_MS: String(SETTLE_DELAY_MS) } });
      api = await adminSession(server.baseUrl);
      await addStaff(api, WAREHOUSE);
      await addStaff(api, SERVICE);
      refund = await abnormalRefund(server, api, 'ABNORMAL');
      owner = await signedIn(server);
    });

    afterAll(async () => {
      await server?.stop();
    });

    const waitForStatus = (status: string) =>
      owner.locator(`[data-test=detail-status][data-status=${status}]`).waitFor({ timeout: SETTLE_MS });

    it('tells the owner the buyer’s card cannot take the money, and offers 重试 or 退至商户银行卡', async () => {
      const detail = await adminRefund(api, refund.refundNo);
      expect(detail.actions).toEqual(expect.arrayContaining(['retry', 'settle_abnormal']));

      await openRefund(server, owner, refund.refundNo, 'FAILED');
      const alert = owner.locator('[data-test=failed-alert][data-abnormal=settle]');
      await alert.waitFor();
      const text = (await alert.textContent()) ?? '';
      expect(text).toContain(CARD_GONE);
      expect(text).toContain('「重试」');
      expect(text).toContain('「退至商户银行卡」');
      expect(text).toContain('通过其他方式');
      expect(text).toContain('保留付款凭证');
      expect(text).not.toContain(PLATFORM_PATH);
      expect(await owner.locator('[data-test=fail-code]').textContent()).toBe('ABNORMAL');
      expect(await owner.locator('[data-test=retry]').isVisible()).toBe(true);
      expect((await owner.locator('[data-test=settle-abnormal]').textContent())?.trim()).toBe('退至商户银行卡');
      await screenshot(owner, 'admin-refund-abnormal');
    });

    it('keeps 退至商户银行卡 off the queue’s quick actions (it needs the detail page’s explanation)', async () => {
      await owner.goto(`${server.baseUrl}/admin/refunds?status=FAILED`);
      const row = owner.locator('.queue-table .el-table__row').filter({ hasText: refund.refundNo });
      await row.locator('[data-test=row-retry]').waitFor();
      expect(await row.locator('[data-test=row-settle-abnormal]').count()).toBe(0);
    });

    it.each([
      ['warehouse', WAREHOUSE],
      ['customer-service', SERVICE],
    ])('shows the %s person the merchant-platform instruction and no button', async (_, who) => {
      const detail = await adminRefund(await adminSession(server.baseUrl, { username: who.username, password: who.password }), refund.refundNo);
      expect(detail.actions).not.toContain('settle_abnormal');

      const page = await signedIn(server, who);
      try {
        await openRefund(server, page, refund.refundNo, 'FAILED');
        const alert = page.locator('[data-test=failed-alert][data-abnormal=platform]');
        await alert.waitFor();
        const text = (await alert.textContent()) ?? '';
        expect(text).toContain(CARD_GONE);
        expect(text).toContain(PLATFORM_PATH);
        expect(text).toContain('请交给店主或财务');
        expect(await page.locator('[data-test=settle-abnormal]').count()).toBe(0);
        expect(await page.locator('[data-test=retry]').count()).toBe(0);
      } finally {
        await page.context().close();
      }
    });

    it('sends it to the merchant’s bank card after a confirmation: REFUNDING, then REFUNDED, with the step in the history', async () => {
      await openRefund(server, owner, refund.refundNo, 'FAILED');
      const answer = owner.waitForResponse((res) => res.url().endsWith(`/api/admin/refunds/${refund.refundNo}/abnormal`));
      await owner.click('[data-test=settle-abnormal]');
      const asked = await confirmBox(owner);
      expect(asked).toContain('退至商户银行卡');
      expect(asked).toContain(yuan(refund.amountFen));
      expect(asked).toContain('不会退给买家');
      expect(asked).toContain('通过其他方式');

      const res = await answer;
      expect(res.request().method()).toBe('POST');
      expect(res.request().postDataJSON()).toEqual({ type: 'MERCHANT_BANK_CARD' });
      expect(res.status()).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('REFUNDING');
      await owner.locator('.el-message--success').getByText('已申请退至商户银行卡').waitFor();

      await waitForStatus('REFUNDING');
      await owner.locator('[data-test=in-flight]').waitFor();
      expect(await owner.locator('[data-test=to-merchant-card]').textContent()).toContain('等待微信支付处理');
      expect(await owner.locator('[data-test=failed-alert]').count()).toBe(0);
      expect(await owner.locator('[data-test=settle-abnormal]').count()).toBe(0);

      await waitForStatus('REFUNDED'); // the page's own polling carries it on
      expect(await owner.locator('[data-test=to-merchant-card]').textContent()).toContain('请通过其他方式付给买家');
      const timeline = (await owner.locator('[data-test=timeline]').textContent()) ?? '';
      expect(timeline).toContain('退至商户银行卡（apply-abnormal-refund）');
      expect(timeline).toContain(`店主 ${TEST_ADMIN.username}`);
      const call = owner.locator('[data-test=wechat-calls] .el-table__row').filter({ hasText: 'apply-abnormal-refund' });
      expect((await call.locator('.el-tag').textContent())?.trim()).toBe('SUCCESS'); // an APIv3 answer: HTTP 200, no code
      await screenshot(owner, 'admin-refund-abnormal-settled', { fullPage: true });

      const detail = await adminRefund(api, refund.refundNo);
      const step = (detail.events as Array<{ action: string; from: string; to: string; note: string; role: string }>).find((e) => e.action === 'settle_abnormal');
      expect(step).toMatchObject({ from: 'FAILED', to: 'REFUNDING', note: '退至商户银行卡（apply-abnormal-refund）', role: 'OWNER' });
    });
  });

  describe('over APIv2 (CHANGE)', () => {
    let server: TestServer;
    let api: AdminSession;
    let refund: Failed;

    beforeAll(async () => {
      server = await startServer();
      api = await adminSession(server.baseUrl);
      refund = await abnormalRefund(server, api, 'CHANGE');
    });

    afterAll(async () => {
      await server?.stop();
    });

    it('points the owner to the merchant platform and offers no 退至商户银行卡', async () => {
      const detail = await adminRefund(api, refund.refundNo);
      expect(detail.actions).not.toContain('settle_abnormal');

      const owner = await signedIn(server);
      await openRefund(server, owner, refund.refundNo, 'FAILED');
      const alert = owner.locator('[data-test=failed-alert][data-abnormal=platform]');
      await alert.waitFor();
      const text = (await alert.textContent()) ?? '';
      expect(text).toContain(CARD_GONE);
      expect(text).toContain(PLATFORM_PATH);
      expect(text).not.toContain('请交给店主或财务'); // the owner may act; it is the protocol that has no such call
      expect(await owner.locator('[data-test=fail-code]').textContent()).toBe('CHANGE');
      expect(await owner.locator('[data-test=settle-abnormal]').count()).toBe(0);
      expect(await owner.locator('[data-test=retry]').isVisible()).toBe(true);
    });
  });
});
