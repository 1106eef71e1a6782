// The merchant's side of fulfilment in a real Chromium against a real server in sandbox mode: a buyer's paid
// order with an address shows up in 待发货, the ship dialog checks the tracking number before sending, ships
// with 顺丰, the order leaves the queue, the order page shows the shipment and its upload to WeChat reaching
// 已上传; a refund opened meanwhile makes the server refuse, in words; an upload WeChat keeps refusing shows
// its error and 重新上传 sends it; and products are added and changed with prices typed in yuan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServer, TEST_ADMIN, type TestServer } from '../helpers/server.ts';
import { adminSession, asBuyer, buyerLogin, requestRefund, sandboxControl, type AdminSession } from '../helpers/api.ts';
import { launchBrowser, openPage, RUN_BROWSER_TESTS, screenshot, signIn, warnIfSkipped } from '../helpers/browser.ts';

/** Shipping → 已上传 goes through the background upload and the sandbox's shipping-info service. */
const UPLOAD_MS = 30_000;

const ADDRESS = { name: '张三', phone: '13800000000', province: '广东省', city: '广州市', district: '海珠区', detail: '新港中路 397 号' };
const TRACKING_NO = 'SF1234567890';

warnIfSkipped('admin-fulfilment');

/** A buyer's order with a delivery address, paid through the sandbox's cashier. */
async function placePaidOrderWithAddress(baseUrl: string, token: string, productIndex: number, address = ADDRESS) {
  const buyer = asBuyer(baseUrl, token);
  const products = await buyer('GET', '/api/mp/products');
  const product = products.body.items[productIndex];
  const placed = await buyer('POST', '/api/mp/orders', { items: [{ productId: product.id, quantity: 1 }], address });
  if (placed.status !== 201) throw new Error(`order failed: ${placed.status} ${JSON.stringify(placed.body)}`);
  const paid = await buyer('POST', `/api/mp/orders/${placed.body.orderNo}/sandbox-pay`);
  if (paid.status !== 200 || paid.body.status !== 'PAID') throw new Error(`sandbox pay failed: ${paid.status} ${JSON.stringify(paid.body)}`);
  return paid.body as { orderNo: string; totalFen: number };
}

describe.skipIf(!RUN_BROWSER_TESTS)('merchant fulfilment and products in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let admin: AdminSession;
  let buyer: string;
  let toShip: { orderNo: string; totalFen: number };
  let toRefund: { orderNo: string; totalFen: number };
  let uploadFails: { orderNo: string; totalFen: number };
  const shipCalls: Array<{ url: string; body: string | null }> = [];

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startServer();
    admin = await adminSession(server.baseUrl);
    buyer = await buyerLogin(server.baseUrl);
    toShip = await placePaidOrderWithAddress(server.baseUrl, buyer, 0);
    toRefund = await placePaidOrderWithAddress(server.baseUrl, buyer, 1, { ...ADDRESS, name: '李四', city: '深圳市', district: '南山区' });
    uploadFails = await placePaidOrderWithAddress(server.baseUrl, buyer, 2, { ...ADDRESS, name: '王五', province: '北京市', city: '北京市', district: '朝阳区' });

    ({ page } = await openPage(browser));
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/ship')) shipCalls.push({ url: request.url(), body: request.postData() });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const url = (path: string) => `${server.baseUrl}/admin${path}`;
  const shot = (name: string, fullPage = false) => screenshot(page, name, { fullPage });
  const queueRow = (orderNo: string) => page.locator('.ship-table .el-table__row').filter({ hasText: orderNo });
  const dialog = () => page.locator('.ship-dialog');

  async function pickCarrier(name: string): Promise<void> {
    await dialog().locator('.carrier-select').click();
    await page.keyboard.type(name.slice(0, 2)); // filterable: typing narrows the list
    await page.locator('.ship-carrier-options .el-select-dropdown__item').filter({ hasText: name }).first().click();
  }

  it('shows the paid orders to ship on the dashboard and in the menu, and opens 待发货 from the card', async () => {
    await page.goto(url('/'));
    await signIn(page);
    await page.waitForURL(/\/admin\/dashboard/);
    await page.waitForFunction(() => document.querySelector('[data-test=card-to-ship] .stat-number')?.textContent?.trim() === '3');
    expect((await page.locator('[data-nav=shipping] [data-test=nav-count]').textContent())?.trim()).toBe('3');

    await page.click('[data-test=card-to-ship]');
    await page.waitForURL(/\/admin\/shipping/);
    const row = queueRow(toShip.orderNo);
    await row.waitFor();
    expect(await row.locator('[data-test=address]').textContent()).toBe('张三 · 广东省广州市海珠区');
    expect(await queueRow(toRefund.orderNo).count()).toBe(1);
    expect(await page.locator('.ship-tabs [data-tab=PAID] .tab-count').textContent()).toBe('3');
    expect(await queueRow(uploadFails.orderNo).locator('[data-test=address]').textContent()).toBe('王五 · 北京市朝阳区');
  });

  it('checks the tracking number before sending anything, then ships with 顺丰 and the order leaves the queue', async () => {
    await queueRow(toShip.orderNo).locator('[data-test=row-ship]').click();
    await dialog().waitFor();
    expect(await dialog().textContent()).toContain('新港中路 397 号');
    expect(await dialog().locator('[data-test=ship-receiver]').textContent()).toBe('张三 13800000000');

    // nothing chosen, nothing typed: both fields say so, and no request leaves the page
    await dialog().locator('[data-test=ship-submit]').click();
    await dialog().getByText('请选择快递公司').waitFor();
    await dialog().getByText('请填写运单号').waitFor();

    await pickCarrier('顺丰速运');
    await dialog().locator('input[data-test=ship-tracking]').fill('SF 1234 567!');
    await dialog().locator('[data-test=ship-submit]').click();
    await dialog().getByText('运单号只能包含字母、数字和短横线').waitFor();
    await dialog().locator('input[data-test=ship-tracking]').fill('x'.repeat(65));
    await dialog().getByText('运单号最多 64 位').waitFor();
    expect(shipCalls).toEqual([]);

    await dialog().locator('input[data-test=ship-tracking]').fill(TRACKING_NO);
    await dialog().locator('.el-form-item__error').first().waitFor({ state: 'detached' }); // after its fade-out
    expect(await dialog().locator('.carrier-select').textContent()).toContain('顺丰速运');
    await shot('admin-ship-dialog');
    await dialog().locator('input[data-test=ship-tracking]').fill(`  ${TRACKING_NO} `); // as pasted: trimmed before sending

    await dialog().locator('[data-test=ship-submit]').click();
    await page.locator('.el-message--success').getByText(`已发货：顺丰速运 ${TRACKING_NO}`).waitFor();
    await queueRow(toShip.orderNo).waitFor({ state: 'detached' });
    expect(shipCalls).toHaveLength(1);
    expect(JSON.parse(shipCalls[0].body ?? '{}')).toEqual({ carrier: 'SF', trackingNo: TRACKING_NO }); // trimmed
    await page.waitForFunction(() => document.querySelector('[data-nav=shipping] [data-test=nav-count]')?.textContent?.trim() === '2');
  });

  it('says plainly why the server refuses when a refund was opened while the dialog was open (409 REFUND_IN_PROGRESS)', async () => {
    await queueRow(toRefund.orderNo).locator('[data-test=row-ship]').click();
    await dialog().waitFor();
    await pickCarrier('顺丰速运');
    await dialog().locator('input[data-test=ship-tracking]').fill('SF0000000001');
    await requestRefund(server.baseUrl, buyer, toRefund.orderNo, toRefund.totalFen, '不想要了');

    const answer = page.waitForResponse((res) => res.url().endsWith(`/orders/${toRefund.orderNo}/ship`));
    await dialog().locator('[data-test=ship-submit]').click();
    expect((await answer).status()).toBe(409);
    const refusal = dialog().locator('[data-test=ship-error]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('该订单有退款正在处理，暂不能发货');
    await dialog().getByRole('button', { name: '取消' }).click();
    await queueRow(toRefund.orderNo).waitFor({ state: 'detached' }); // now REFUND_REQUESTED: not in the paid tab
    // still counted as to ship, so the queue says where it went
    expect(await page.locator('[data-test=waiting-on-refund]').textContent()).toContain('另有 1 笔未发货的订单有退款正在处理');
    const order = await admin.call('GET', `/api/admin/orders/${toRefund.orderNo}`);
    expect(order.body.shippingStatus).toBe('UNSHIPPED');
  });

  it('shows the shipment, the shipping moves and the upload to WeChat reaching 已上传 on the order page', async () => {
    await page.goto(url(`/orders/${toShip.orderNo}`));
    await page.locator('[data-test=tracking-no]').waitFor();
    expect(await page.locator('[data-test=carrier]').textContent()).toBe('顺丰速运');
    expect(await page.locator('[data-test=tracking-no]').textContent()).toBe(TRACKING_NO);
    expect(await page.locator('[data-test=order-shipment] .shipping-status').textContent()).toContain('已发货');
    expect(await page.locator('[data-test=order-address]').textContent()).toContain('广东省广州市海珠区 新港中路 397 号');
    const events = page.locator('[data-test=shipping-events]');
    expect(await events.textContent()).toContain('已发货');
    expect(await events.textContent()).toContain(`店主 ${TEST_ADMIN.username}`); // the owner, named with their role
    expect(await page.locator('[data-test=order-ship]').count()).toBe(0); // shipped: `ship` is no longer among its actions

    await page.locator('[data-test=upload-status][data-status=UPLOADED]').waitFor({ timeout: UPLOAD_MS });
    expect(await page.locator('[data-test=upload-status]').textContent()).toContain('已上传');
    expect(Number(await page.locator('[data-test=upload-attempts]').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.locator('[data-test=upload-retry]').count()).toBe(0);
    await shot('admin-order-shipped', true);

    await page.click('[data-test=lang-switch]');
    await page.locator('[data-test=upload-status]').getByText('Uploaded').waitFor();
    await page.click('[data-test=lang-switch]');
    await page.locator('[data-test=upload-status]').getByText('已上传').waitFor();
  });

  it('ships from the order page; an upload WeChat refuses shows 待上传 with its error, and 重新上传 sends it', async () => {
    const armed = await sandboxControl(server, 'POST', '/sandbox/platform/faults', { failNext: 1000, errcode: -1, api: 'upload_shipping_info' });
    expect(armed.status).toBe(200);
    await page.goto(url(`/orders/${uploadFails.orderNo}`));
    await page.click('[data-test=order-ship]');
    await dialog().waitFor();
    await pickCarrier('中通快递');
    await dialog().locator('input[data-test=ship-tracking]').fill('ZT-7788990011');
    await dialog().locator('[data-test=ship-submit]').click();
    await page.locator('[data-test=tracking-no]').getByText('ZT-7788990011').waitFor();
    expect(await page.locator('[data-test=order-ship]').count()).toBe(0);

    // WeChat answers -1 (busy): the upload stays 待上传, with the error and the attempts shown, and can be pushed
    await page.locator('[data-test=upload-error]').filter({ hasText: '-1' }).waitFor({ timeout: UPLOAD_MS });
    expect(await page.locator('[data-test=upload-status]').getAttribute('data-status')).toBe('PENDING');
    expect(await page.locator('[data-test=upload-status]').textContent()).toContain('待上传');
    expect(Number(await page.locator('[data-test=upload-attempts]').textContent())).toBeGreaterThanOrEqual(1);

    // pushed while WeChat still refuses: had WeChat been fixed first, the worker's own retry could win the race
    // and the push would rightly be refused (already uploaded)
    const pushed = page.waitForResponse((res) => res.url().endsWith(`/orders/${uploadFails.orderNo}/wechat-shipping/retry`));
    await page.click('[data-test=upload-retry]');
    expect((await pushed).status()).toBe(200);
    await page.locator('.el-message--success').getByText('已重新提交上传').waitFor();
    expect((await sandboxControl(server, 'POST', '/sandbox/platform/faults', { failNext: 0 })).status).toBe(200);
    await page.locator('[data-test=upload-status][data-status=UPLOADED]').waitFor({ timeout: UPLOAD_MS });
    expect(await page.locator('[data-test=upload-error]').textContent()).toBe('—');
    expect(await page.locator('[data-test=upload-retry]').count()).toBe(0);
  });

  it('filters the order list by shipping status', async () => {
    await page.goto(url('/orders?shippingStatus=SHIPPED'));
    const rows = page.locator('.orders-table .el-table__row');
    await rows.filter({ hasText: toShip.orderNo }).locator('.shipping-status').getByText('已发货').waitFor();
    expect(await rows.filter({ hasText: toRefund.orderNo }).count()).toBe(0);
    await page.goto(url('/orders?shippingStatus=UNSHIPPED'));
    await rows.filter({ hasText: toRefund.orderNo }).waitFor();
    expect(await rows.filter({ hasText: toShip.orderNo }).count()).toBe(0);
  });

  it('adds a product priced in yuan (exact fen), edits its stock and takes it off sale', async () => {
    const name = '手冲滤杯 V60 玻璃款';
    const productDialog = page.locator('.product-dialog');
    const byName = async () => ((await admin.call('GET', '/api/admin/products')).body.items as Array<{ id: number; name: string; priceFen: number; stock: number; onSale: boolean }>).find((p) => p.name === name);

    await page.click('[data-nav=products]');
    await page.waitForURL(/\/admin\/products/);
    await page.locator('.products-table .el-table__row').first().waitFor();
    await page.click('[data-test=product-create]');
    await productDialog.waitFor();
    await productDialog.locator('input[data-test=product-name]').fill(name);
    await productDialog.locator('input[data-test=product-price]').fill('12.505');
    await productDialog.locator('input[data-test=product-stock]').fill('30');
    await productDialog.locator('[data-test=product-save]').click();
    await productDialog.getByText('价格最多两位小数（精确到分）').waitFor();
    await productDialog.locator('input[data-test=product-price]').fill('-3');
    await productDialog.locator('[data-test=product-save]').click();
    await productDialog.getByText('价格不能为负数').waitFor();
    expect(await byName()).toBeUndefined(); // nothing was sent

    await productDialog.locator('input[data-test=product-price]').fill('12.50');
    await productDialog.locator('[data-test=product-save]').click();
    const row = page.locator('.products-table .el-table__row').filter({ hasText: name });
    await row.waitFor();
    expect(await row.locator('[data-test=product-row-price]').textContent()).toBe('¥12.50');
    const created = await byName();
    expect(created).toMatchObject({ priceFen: 1250, stock: 30, onSale: true });

    await row.locator('[data-test=product-edit]').click();
    await productDialog.waitFor();
    expect(await productDialog.locator('input[data-test=product-price]').inputValue()).toBe('12.50');
    await productDialog.locator('input[data-test=product-stock]').fill('45');
    await productDialog.locator('[data-test=product-save]').click();
    await page.locator('.el-message--success').getByText(`已保存「${name}」`).waitFor();
    await row.locator('[data-test=product-row-stock]').getByText('45').waitFor();
    expect(await byName()).toMatchObject({ priceFen: 1250, stock: 45, onSale: true });

    await row.locator('.el-switch').click();
    await page.locator('.el-message--success').getByText(`「${name}」已下架`).waitFor();
    expect(await byName()).toMatchObject({ onSale: false });
    await shot('admin-products');
  });
});
