// The merchant's team in a real Chromium against a real server in sandbox mode, one browser context per person:
// the owner adds a warehouse person and a customer-service person, sets the approval limit and the refund
// reasons (and reads the change in the audit list), exports the queue, handles a return with the buyer's photos;
// the service person sees no staff or settings and no approve above the limit, and a stale page that tries
// anyway reads the APPROVAL_LIMIT refusal in words; the warehouse person ships, receives the return, decides no
// refund, and is sent back to login once the owner disables them.
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startServer, TEST_ADMIN, type TestServer } from '../helpers/server.ts';
import { adminSession, asBuyer, buyerLogin, placePaidOrder, requestRefund, waitForRefundStatus, type AdminSession } from '../helpers/api.ts';
import { confirmBox, launchBrowser, openPage, RUN_BROWSER_TESTS, screenshot, signIn, warnIfSkipped, yuan } from '../helpers/browser.ts';

warnIfSkipped('admin-team');

const WAREHOUSE = { username: 'wh_bob', password: 'warehouse-pass-123', role: 'WAREHOUSE' };
const SERVICE = { username: 'cs_alice', password: 'service-pass-456', role: 'SERVICE' };
const RETURN_TRACKING = { carrier: 'YTO', trackingNo: 'YT9876543210' };
/** Approve → REFUNDED goes through the dispatcher and the sandbox's notification. */
const SETTLE_MS = 30_000;

/** A buyer's photo of a damaged parcel: a PNG drawn here (a box with a crack on a gradient), 320×240. */
function parcelPhoto(from: string, to: string): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs>
    <rect width="320" height="240" fill="url(#g)"/>
    <rect x="90" y="60" width="140" height="120" rx="8" fill="#e8cf9f" stroke="#8a6d3b" stroke-width="4"/>
    <path d="M90 96 H230" stroke="#8a6d3b" stroke-width="4"/>
    <path d="M150 60 L168 112 L146 140 L160 180" stroke="#c0392b" stroke-width="5" fill="none"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function uploadPhoto(baseUrl: string, token: string, bytes: Buffer): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/png' }), 'parcel.png');
  const res = await fetch(`${baseUrl}/api/mp/uploads`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { url?: string };
  if (res.status !== 201 || !body.url) throw new Error(`upload failed: ${res.status} ${JSON.stringify(body)}`);
  return body.url;
}

describe.skipIf(!RUN_BROWSER_TESTS)('the merchant’s team in Chromium', () => {
  let server: TestServer;
  let browser: Browser;
  let owner: Page;
  let service: Page;
  let warehouse: Page;
  let api: AdminSession; // the owner, through the API
  let buyer: string;
  let toShip: { orderNo: string };
  let returned: { orderNo: string; refundNo: string; amountFen: number; images: string[] };
  let big: { refundNo: string; amountFen: number };
  let small: { refundNo: string; amountFen: number };

  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startServer();
    api = await adminSession(server.baseUrl);
    buyer = await buyerLogin(server.baseUrl);
    const b = asBuyer(server.baseUrl, buyer);

    toShip = await placePaidOrder(server.baseUrl, buyer, { productIndex: 1 });

    // a return on its way back: shipped, the buyer's photos, RETURN_AND_REFUND requested, approved, sent back
    const order = await placePaidOrder(server.baseUrl, buyer, { productIndex: 2 });
    expect((await api.call('POST', `/api/admin/orders/${order.orderNo}/ship`, { carrier: 'SF', trackingNo: 'SF1234567890' })).status).toBe(200);
    const images = [
      await uploadPhoto(server.baseUrl, buyer, await parcelPhoto('#dfe8f2', '#a9bccf')),
      await uploadPhoto(server.baseUrl, buyer, await parcelPhoto('#f3eee6', '#cdbfa8')),
    ];
    const asked = await b('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: order.totalFen, reason: '商品破损', type: 'RETURN_AND_REFUND', images });
    expect(asked.status).toBe(201);
    const approved = await api.call('POST', `/api/admin/refunds/${asked.body.refundNo}/approve`);
    expect(approved.body.status).toBe('AWAITING_RETURN');
    const sent = await b('POST', `/api/mp/refunds/${asked.body.refundNo}/return`, RETURN_TRACKING);
    expect(sent.body.status).toBe('RETURN_SHIPPED');
    returned = { orderNo: order.orderNo, refundNo: asked.body.refundNo, amountFen: order.totalFen, images };

    ({ page: owner } = await openPage(browser));
    ({ page: service } = await openPage(browser));
    ({ page: warehouse } = await openPage(browser));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const url = (path: string) => `${server.baseUrl}/admin${path}`;
  const navOf = async (page: Page) => page.locator('.nav [data-nav]').evaluateAll((items) => items.map((i) => i.getAttribute('data-nav')));
  const staffRow = (name: string) => owner.locator('.staff-table .el-table__row').filter({ hasText: name });
  const waitForStatus = (page: Page, status: string, timeout = 15_000) => page.locator(`[data-test=detail-status][data-status=${status}]`).waitFor({ timeout });

  /** Signs a team member in; their role shows in the header, and the menus lack 员工管理 and 售后设置. */
  async function signInWithoutOwnerMenus(page: Page, who: { username: string; password: string }, roleLabel: string): Promise<void> {
    await page.goto(url('/'));
    await signIn(page, who);
    await page.waitForURL(/\/admin\/dashboard/);
    expect((await page.locator('[data-test=role]').textContent())?.trim()).toBe(roleLabel);
    expect(await navOf(page)).toEqual(['dashboard', 'shipping', 'refunds', 'orders', 'products']);
  }

  /** The request is open, and this person's page offers neither approve nor reject on it. */
  async function expectNoDecision(page: Page, refundNo: string): Promise<void> {
    await page.goto(url(`/refunds/${refundNo}`));
    await waitForStatus(page, 'REQUESTED');
    expect(await page.locator('[data-test=approve], [data-test=reject]').count()).toBe(0);
  }

  async function setLimit(text: string, shown: string): Promise<void> {
    if (!owner.url().endsWith('/admin/settings')) await owner.click('[data-nav=settings]');
    await owner.locator('input[data-test=limit-input]').fill(text);
    await owner.click('[data-test=limit-save]');
    await owner.locator('[data-test=limit-now]').getByText(shown).waitFor();
  }

  it('signs the owner in with their role in the header and every menu', async () => {
    await owner.goto(url('/'));
    await signIn(owner);
    await owner.waitForURL(/\/admin\/dashboard/);
    expect(await owner.locator('[data-test=username]').textContent()).toBe(TEST_ADMIN.username);
    expect((await owner.locator('[data-test=role]').textContent())?.trim()).toBe('店主');
    expect(await navOf(owner)).toEqual(['dashboard', 'shipping', 'refunds', 'orders', 'products', 'staff', 'settings']);

    await owner.click('[data-test=lang-switch]');
    await owner.locator('[data-test=role]').getByText('Owner').waitFor();
    expect(await owner.locator('[data-nav=staff]').textContent()).toContain('Staff');
    await owner.click('[data-test=lang-switch]');
    await owner.locator('[data-test=role]').getByText('店主').waitFor();
  });

  it('counts the returns waiting for the merchant on the dashboard and opens their tab', async () => {
    await owner.waitForFunction(() => document.querySelector('[data-test=card-returns] .stat-number')?.textContent?.trim() === '1');
    await owner.click('[data-test=card-returns]');
    await owner.waitForURL(/\/admin\/refunds\?.*status=RETURN_SHIPPED/);
    const row = owner.locator('.queue-table .el-table__row').filter({ hasText: returned.refundNo });
    await row.waitFor();
    expect(await row.locator('.refund-status').textContent()).toContain('退货待收货');
    expect(await row.locator('[data-test=type]').textContent()).toBe('退货退款');
    expect(await owner.locator('.queue-tabs [data-tab=RETURN_SHIPPED] .tab-count').textContent()).toBe('1');
    expect(await owner.locator('.queue-tabs [data-tab=AWAITING_RETURN]').textContent()).toContain('待买家退货');
  });

  it('filters the queue by type and exports what the filters select (never the search)', async () => {
    await owner.goto(url('/refunds?status=ALL'));
    await owner.locator('.queue-table .el-table__row').first().waitFor();
    await owner.click('[data-test=queue-type]');
    await owner.locator('.queue-type-options .el-select-dropdown__item').filter({ hasText: '退货退款' }).click();
    await owner.waitForURL(/type=RETURN_AND_REFUND/);
    await owner.waitForFunction(() => document.querySelectorAll('.queue-table .el-table__row').length === 1);
    expect(await owner.locator('.queue-table [data-test=refund-no]').textContent()).toContain(returned.refundNo);

    const exportLink = owner.locator('[data-test=queue-export]');
    expect(await exportLink.getAttribute('href')).toBe('/api/admin/refunds/export.csv?type=RETURN_AND_REFUND');
    await owner.fill('input[data-test=queue-search]', returned.orderNo);
    await owner.keyboard.press('Enter');
    await owner.waitForURL(/q=/);
    expect(await exportLink.getAttribute('href')).toBe('/api/admin/refunds/export.csv?type=RETURN_AND_REFUND');

    const [download] = await Promise.all([owner.waitForEvent('download'), exportLink.click()]);
    expect(download.suggestedFilename()).toMatch(/^refunds-\d{8}\.csv$/);
    const csv = await readFile((await download.path())!, 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^退款单号,订单号,类型,状态,/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(returned.refundNo);
    expect(lines[1]).toContain('退货退款');
  });

  it('shows a returned parcel: type, the buyer’s photos (enlarged on click), its tracking and our address', async () => {
    await owner.goto(url(`/refunds/${returned.refundNo}`));
    await waitForStatus(owner, 'RETURN_SHIPPED');
    expect(await owner.locator('[data-test=detail-type]').textContent()).toBe('退货退款');
    const photos = owner.locator('[data-test=refund-photo] img');
    await photos.nth(1).waitFor();
    expect(await photos.count()).toBe(2);
    await owner.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('[data-test=refund-photo] img')].every((img) => img.complete && img.naturalWidth === 320));

    const shipment = owner.locator('[data-test=return-shipment]');
    expect(await shipment.locator('[data-test=tracking-no]').textContent()).toBe(RETURN_TRACKING.trackingNo);
    expect(await shipment.locator('[data-test=carrier]').textContent()).toBe('圆通速递');
    const detail = (await api.call('GET', `/api/admin/refunds/${returned.refundNo}`)).body;
    expect(await owner.locator('[data-test=return-address]').textContent()).toContain(detail.returnAddress.address);
    expect(await owner.locator('[data-test=timeline]').textContent()).toContain('退货待收货');
    // the moves the server lists for a return on its way: receive or refuse, nothing else
    expect(await owner.locator('[data-test=receive]').isVisible()).toBe(true);
    expect(await owner.locator('[data-test=refuse]').isVisible()).toBe(true);
    expect(await owner.locator('[data-test=approve]').count()).toBe(0);
    await screenshot(owner, 'admin-refund-return', { fullPage: true });

    await photos.first().click();
    const viewer = owner.locator('.el-image-viewer__wrapper');
    await viewer.waitFor();
    expect(await viewer.locator('.el-image-viewer__img').getAttribute('src')).toBe(returned.images[0]);
    await owner.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached' });

    // 拒绝收货 asks for a reason before anything is sent
    await owner.click('[data-test=refuse]');
    const dialog = owner.locator('.reject-dialog');
    await dialog.waitFor();
    expect(await dialog.locator('.el-dialog__title').textContent()).toBe('拒绝收货');
    await dialog.locator('[data-test=reject-submit]').click();
    await dialog.getByText('请填写拒绝原因', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: '取消' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitForStatus(owner, 'RETURN_SHIPPED');
  });

  it('adds a warehouse person and a customer-service person; says why a taken name or the last owner is refused', async () => {
    await owner.click('[data-nav=staff]');
    await owner.waitForURL(/\/admin\/staff/);
    await staffRow(TEST_ADMIN.username).waitFor();
    expect(await staffRow(TEST_ADMIN.username).locator('[data-test=staff-row-role]').textContent()).toContain('店主');
    const dialog = owner.locator('.staff-dialog');

    async function add(person: { username: string; password: string }, roleLabel: string): Promise<void> {
      await owner.click('[data-test=staff-add]');
      await dialog.waitFor();
      await dialog.locator('input[data-test=staff-username]').fill(person.username);
      await dialog.locator('input[data-test=staff-password]').fill(person.password);
      await dialog.locator('[data-test=staff-role]').click();
      await owner.locator('.staff-role-options .el-select-dropdown__item').filter({ hasText: roleLabel }).click();
      await dialog.locator('[data-test=staff-save]').click();
    }

    // too short a password: said next to the field, nothing sent
    await add({ username: WAREHOUSE.username, password: 'short' }, '仓库');
    await dialog.getByText('密码至少 10 个字符').waitFor();
    await dialog.locator('input[data-test=staff-password]').fill(WAREHOUSE.password);
    await dialog.locator('[data-test=staff-save]').click();
    await owner.locator('.el-message--success').getByText(`已添加 ${WAREHOUSE.username}（仓库）`).waitFor();
    await staffRow(WAREHOUSE.username).waitFor();

    await add(SERVICE, '客服');
    await staffRow(SERVICE.username).waitFor();
    await add(SERVICE, '客服'); // again: 409
    await dialog.locator('[data-test=staff-error]').getByText(`用户名「${SERVICE.username}」已被占用，请换一个`).waitFor();
    await dialog.getByRole('button', { name: '取消' }).click();

    const team = (await api.call('GET', '/api/admin/staff')).body.items as Array<{ username: string; role: string; disabled: boolean }>;
    expect(team.map(({ username, role, disabled }) => ({ username, role, disabled }))).toEqual([
      { username: TEST_ADMIN.username, role: 'OWNER', disabled: false },
      { username: WAREHOUSE.username, role: 'WAREHOUSE', disabled: false },
      { username: SERVICE.username, role: 'SERVICE', disabled: false },
    ]);

    // the owner disabling themself, the last owner: 409, in words
    await staffRow(TEST_ADMIN.username).locator('[data-test=staff-toggle]').click();
    await confirmBox(owner, 'staff-confirm');
    await owner.locator('.staff-refusal').getByText('这是最后一位启用的店主').waitFor();
    expect(await staffRow(TEST_ADMIN.username).locator('[data-test=staff-row-state]').textContent()).toContain('正常');
    await owner.locator('.staff-refusal').waitFor({ state: 'detached', timeout: 12_000 });
    await screenshot(owner, 'admin-staff');
  });

  it('sets the approval limit to ¥1.00 in yuan (exact fen) and edits the reasons; both appear in the audit list', async () => {
    await owner.click('[data-nav=settings]');
    await owner.waitForURL(/\/admin\/settings/);
    await owner.locator('[data-test=limit-now]').getByText('¥500.00').waitFor();
    await owner.locator('input[data-test=limit-input]').fill('1.005');
    await owner.click('[data-test=limit-save]');
    await owner.getByText('金额最多两位小数（精确到分）').waitFor();
    await setLimit('1.00', '¥1.00');
    expect((await api.call('GET', '/api/admin/settings')).body.approvalLimitFen).toBe(100);
    const latest = owner.locator('.changes-table .el-table__row').first();
    await latest.getByText('¥1.00').waitFor();
    expect(await latest.locator('[data-test=change-actor]').textContent()).toBe(TEST_ADMIN.username);
    expect(await latest.locator('[data-test=change-from]').textContent()).toBe('¥500.00');

    // 仅退款: add a reason, move it to the top, remove 商品缺货, save
    const list = owner.locator('[data-reasons=REFUND_ONLY]');
    await list.locator('input[data-test=reason-input]').fill('地址填错了');
    await list.locator('[data-test=reason-add]').click();
    for (let i = 0; i < 5; i++) await list.locator('[data-test=reason]').filter({ hasText: '地址填错了' }).locator('[data-test=reason-up]').click();
    await list.locator('[data-test=reason]').filter({ hasText: '商品缺货' }).locator('[data-test=reason-remove]').click();
    await list.locator('input[data-test=reason-input]').fill('不想要了');
    await list.locator('[data-test=reason-add]').click();
    await list.locator('[data-test=reason-error]').getByText('已有这个原因').waitFor();
    await owner.click('[data-test=reasons-save]');
    await owner.locator('.changes-table .el-table__row').first().getByText('退款原因').waitFor();
    const config = (await asBuyer(server.baseUrl, buyer)('GET', '/api/mp/config')).body;
    expect(config.refundReasons.REFUND_ONLY).toEqual(['地址填错了', '不想要了', '拍错了/多拍了', '商家未按时发货', '其他']);
    expect(await owner.locator('.changes-table .el-table__row').count()).toBe(2);
    await screenshot(owner, 'admin-settings', { fullPage: true });
  });

  it('shows the service person no staff or settings, no export, and no approve above their limit', async () => {
    const bigOrder = await placePaidOrder(server.baseUrl, buyer, { productIndex: 0 });
    big = { refundNo: (await requestRefund(server.baseUrl, buyer, bigOrder.orderNo, bigOrder.totalFen)).refundNo, amountFen: bigOrder.totalFen };
    expect(big.amountFen).toBeGreaterThan(100);
    const smallOrder = await placePaidOrder(server.baseUrl, buyer, { productIndex: 3 });
    small = { refundNo: (await requestRefund(server.baseUrl, buyer, smallOrder.orderNo, smallOrder.totalFen)).refundNo, amountFen: smallOrder.totalFen };
    expect(small.amountFen).toBeLessThanOrEqual(100);

    await signInWithoutOwnerMenus(service, SERVICE, '客服');
    await service.goto(url('/staff')); // a typed link: back to the dashboard
    await service.waitForURL(/\/admin\/dashboard/);

    await service.click('[data-nav=refunds]');
    const rows = service.locator('.queue-table .el-table__row');
    await rows.filter({ hasText: big.refundNo }).waitFor();
    expect(await rows.filter({ hasText: big.refundNo }).locator('[data-test=row-approve]').count()).toBe(0);
    expect(await rows.filter({ hasText: small.refundNo }).locator('[data-test=row-approve]').count()).toBe(1);
    expect(await service.locator('[data-test=queue-export]').count()).toBe(0);

    await expectNoDecision(service, big.refundNo);

    // the products are there to read, not to change
    await service.click('[data-nav=products]');
    await service.locator('.products-table .el-table__row').first().waitFor();
    expect(await service.locator('[data-test=product-create]').count()).toBe(0);
    expect(await service.locator('[data-test=product-edit]').count()).toBe(0);
  });

  it('explains the APPROVAL_LIMIT refusal when the limit was lowered under an open page', async () => {
    await setLimit('100', '¥100.00');
    await service.goto(url(`/refunds/${big.refundNo}`));
    await waitForStatus(service, 'REQUESTED');
    await service.locator('[data-test=approve]').waitFor(); // within ¥100: the server lists approve

    await setLimit('1.00', '¥1.00');
    const answer = service.waitForResponse((res) => res.url().endsWith(`/refunds/${big.refundNo}/approve`));
    await service.click('[data-test=approve]');
    await confirmBox(service);
    const refused = await answer;
    expect(refused.status()).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('APPROVAL_LIMIT');
    await service.locator('.role-refusal').getByText('超出你的审批额度，需财务或店主审批').waitFor();
    await service.locator('[data-test=approve]').waitFor({ state: 'detached' }); // reloaded: no longer offered
    expect(await service.locator('[data-test=detail-status]').getAttribute('data-status')).toBe('REQUESTED');
  });

  it('lets the owner approve it, and the history names who did what in which role', async () => {
    await owner.goto(url(`/refunds/${big.refundNo}`));
    await waitForStatus(owner, 'REQUESTED');
    await owner.click('[data-test=approve]');
    expect(await confirmBox(owner)).toContain(yuan(big.amountFen));
    await waitForStatus(owner, 'REFUNDED', SETTLE_MS);
    expect(await owner.locator('[data-test=timeline]').textContent()).toContain(`店主 ${TEST_ADMIN.username}`);
  });

  it('shows the warehouse person 发货 and the return’s receipt, but no refund decisions and no owner menus', async () => {
    await signInWithoutOwnerMenus(warehouse, WAREHOUSE, '仓库');

    await warehouse.click('[data-nav=shipping]');
    await warehouse.locator('.ship-table .el-table__row').filter({ hasText: toShip.orderNo }).locator('[data-test=row-ship]').waitFor();

    await expectNoDecision(warehouse, small.refundNo);
    await warehouse.click('[data-nav=refunds]');
    await warehouse.locator('.queue-table .el-table__row').first().waitFor();
    expect(await warehouse.locator('[data-test=row-approve], [data-test=row-reject]').count()).toBe(0);
    expect(await warehouse.locator('[data-test=queue-export]').count()).toBe(0);

    // the goods are back: the warehouse confirms receipt, and the refund goes on to WeChat
    await warehouse.goto(url(`/refunds/${returned.refundNo}`));
    await waitForStatus(warehouse, 'RETURN_SHIPPED');
    await warehouse.click('[data-test=receive]');
    expect(await confirmBox(warehouse)).toContain(yuan(returned.amountFen));
    await waitForStatus(warehouse, 'REFUNDED', SETTLE_MS);
    expect(await warehouse.locator('[data-test=timeline]').textContent()).toContain(`仓库 ${WAREHOUSE.username}`);
    expect(await warehouse.locator('[data-test=receive]').count()).toBe(0);
  });

  it('sends the warehouse person back to login at their next step once the owner disables them', async () => {
    await owner.click('[data-nav=staff]');
    await staffRow(WAREHOUSE.username).locator('[data-test=staff-toggle]').click();
    expect(await confirmBox(owner, 'staff-confirm')).toContain(WAREHOUSE.username);
    await staffRow(WAREHOUSE.username).locator('[data-test=staff-row-state][data-disabled=true]').waitFor();
    expect(await staffRow(WAREHOUSE.username).locator('[data-test=staff-toggle]').textContent()).toContain('启用');

    await warehouse.click('[data-nav=orders]');
    await warehouse.waitForURL(/\/admin\/login\?.*expired=1/);
    await warehouse.fill('input[data-test=username]', WAREHOUSE.username);
    await warehouse.fill('input[data-test=password]', WAREHOUSE.password);
    await warehouse.click('[data-test=login-submit]');
    expect(await warehouse.locator('[data-test=login-error]').textContent()).toContain('登录失败');
    await waitForRefundStatus(api, small.refundNo, 'REQUESTED'); // nothing the others did touched it
  });
});
