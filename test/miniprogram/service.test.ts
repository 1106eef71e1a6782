// The service layer (miniprogram/api) against a stubbed wx: token handling, silent login, one retry after
// a 401, statusCode checks, error mapping into Chinese, Idempotency-Key, one function per endpoint.
import { describe, it, expect, beforeEach } from 'vitest';
import { installWx } from './support/wx-stub';
import type { WxStub } from './support/wx-stub';
import { ADDRESS, makeOrder, makeRefund } from './support/fixtures';
import { apiRequest } from '../../miniprogram/api/request';
import { TOKEN_EXPIRES_KEY, TOKEN_KEY, ensureToken } from '../../miniprogram/api/session';
import { ApiError, ERROR_MESSAGES, errorFromResponse } from '../../miniprogram/api/errors';
import { listProducts } from '../../miniprogram/api/products';
import { createOrder, getOrder, listOrders, listOrderTab, payOrder, receiveOrder, sandboxPay } from '../../miniprogram/api/orders';
import { cancelRefund, getRefund, requestRefund, returnGoods } from '../../miniprogram/api/refunds';
import { forgetMpConfig, getMpConfig } from '../../miniprogram/api/config';
import { uploadImage } from '../../miniprogram/api/uploads';
import { absoluteUrl, DEFAULT_API_BASE_URL, getApiBaseUrl } from '../../miniprogram/config';
import { makeConfig } from './support/fixtures';

let stub: WxStub;

beforeEach(() => {
  stub = installWx();
  stub.answer('GET /api/mp/products', 200, { items: [{ id: 1, name: '咖啡豆', priceFen: 6800, stock: 3 }] });
});

async function caught(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error('expected the call to fail');
}

describe('config', () => {
  it('talks to the local sandbox server by default', () => {
    expect(DEFAULT_API_BASE_URL).toBe('http://127.0.0.1:3000');
    expect(getApiBaseUrl()).toBe(DEFAULT_API_BASE_URL);
  });
});

describe('token handling', () => {
  it('logs in silently when there is no token: wx.login → POST /api/mp/login {code} → token stored and sent', async () => {
    const products = await listProducts();

    expect(products).toHaveLength(1);
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
    const [login] = stub.calls('POST /api/mp/login');
    expect(login.data).toEqual({ code: 'code-1' });
    expect(login.header.Authorization).toBeUndefined();
    expect(login.url).toBe('http://127.0.0.1:3000/api/mp/login');
    expect(stub.storage.get(TOKEN_KEY)).toBe('token-for-code-1');
    expect(stub.storage.get(TOKEN_EXPIRES_KEY)).toBe('2099-01-01T00:00:00.000Z');
    expect(stub.calls('GET /api/mp/products')[0].header.Authorization).toBe('Bearer token-for-code-1');
  });

  it('reuses the stored token: no second login', async () => {
    await listProducts();
    await listProducts();
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
    expect(stub.calls('GET /api/mp/products').map((r) => r.header.Authorization)).toEqual([
      'Bearer token-for-code-1',
      'Bearer token-for-code-1',
    ]);
  });

  it('uses a token kept from an earlier launch without logging in', async () => {
    stub.storage.set(TOKEN_KEY, 'kept-token');
    await listProducts();
    expect(stub.wx.login).not.toHaveBeenCalled();
    expect(stub.calls('GET /api/mp/products')[0].header.Authorization).toBe('Bearer kept-token');
  });

  it('logs in again ahead of time when the stored token has expired', async () => {
    stub.storage.set(TOKEN_KEY, 'old-token');
    stub.storage.set(TOKEN_EXPIRES_KEY, new Date(Date.now() - 1000).toISOString());
    await listProducts();
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
    expect(stub.calls('GET /api/mp/products')[0].header.Authorization).toBe('Bearer token-for-code-1');
  });

  it('shares one login between requests that start together without a token', async () => {
    await Promise.all([listProducts(), listProducts(), listOrders().catch(() => undefined)]);
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
    expect(stub.calls('POST /api/mp/login')).toHaveLength(1);
  });

  it('reports a failed login in Chinese and keeps no token', async () => {
    stub.answer('POST /api/mp/login', 500, { error: { code: 'INTERNAL', message: 'jscode2session failed' } });
    const err = await caught(listProducts());
    expect(err.message).toBe(ERROR_MESSAGES.INTERNAL);
    expect(stub.storage.has(TOKEN_KEY)).toBe(false);
    expect(stub.calls('GET /api/mp/products')).toHaveLength(0);
  });

  it('reports wx.login failing (no WeChat session) as LOGIN_FAILED', async () => {
    stub.wx.login.mockImplementationOnce((opts: { fail?: (e: { errMsg: string }) => void }) => {
      setTimeout(() => opts.fail?.({ errMsg: 'login:fail' }), 0);
    });
    const err = await caught(ensureToken());
    expect(err.code).toBe('LOGIN_FAILED');
    expect(err.message).toBe('微信登录失败，请稍后重试');
  });
});

describe('401: log in again and retry once', () => {
  it('re-logs in with a fresh wx.login code and retries the same request with the new token', async () => {
    stub.storage.set(TOKEN_KEY, 'stale-token');
    let n = 0;
    stub.route('GET /api/mp/orders', () =>
      ++n === 1
        ? { statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', message: 'token expired' } } }
        : { statusCode: 200, data: { items: [makeOrder()] } },
    );

    const orders = await listOrders();

    expect(orders).toHaveLength(1);
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
    expect(stub.calls('GET /api/mp/orders').map((r) => r.header.Authorization)).toEqual([
      'Bearer stale-token',
      'Bearer token-for-code-1',
    ]);
    expect(stub.storage.get(TOKEN_KEY)).toBe('token-for-code-1');
  });

  it('retries only once: a second 401 is reported, not looped', async () => {
    stub.storage.set(TOKEN_KEY, 'stale-token');
    stub.answer('GET /api/mp/orders', 401, { error: { code: 'UNAUTHENTICATED', message: 'no' } });

    const err = await caught(listOrders());

    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.statusCode).toBe(401);
    expect(err.message).toBe('登录已失效，请重新进入小程序');
    expect(stub.calls('GET /api/mp/orders')).toHaveLength(2);
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
  });

  it('keeps the body and the Idempotency-Key on the retried request', async () => {
    stub.storage.set(TOKEN_KEY, 'stale-token');
    let n = 0;
    stub.route('POST /api/mp/orders/M1/refunds', () =>
      ++n === 1 ? { statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', message: 'x' } } } : { statusCode: 201, data: makeRefund() },
    );

    await requestRefund('M1', { amountFen: 1200, reason: '不想要了' }, 'key-123');

    const attempts = stub.calls('POST /api/mp/orders/M1/refunds');
    expect(attempts).toHaveLength(2);
    for (const a of attempts) {
      expect(a.header['Idempotency-Key']).toBe('key-123');
      expect(a.data).toEqual({ amountFen: 1200, reason: '不想要了' });
    }
  });

  it('two requests hit by the same expiry share one re-login', async () => {
    stub.storage.set(TOKEN_KEY, 'stale-token');
    stub.route('GET /api/mp/orders', (req) =>
      req.header.Authorization === 'Bearer stale-token'
        ? { statusCode: 401, data: { error: { code: 'UNAUTHENTICATED', message: 'x' } } }
        : { statusCode: 200, data: { items: [] } },
    );
    await Promise.all([listOrders(), listOrders()]);
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
  });

  it('does not treat a 403 as an expired login', async () => {
    stub.storage.set(TOKEN_KEY, 't');
    stub.answer('GET /api/mp/orders', 403, { error: { code: 'FORBIDDEN', message: 'no' } });
    const err = await caught(listOrders());
    expect(err.code).toBe('FORBIDDEN');
    expect(stub.wx.login).not.toHaveBeenCalled();
    expect(stub.calls('GET /api/mp/orders')).toHaveLength(1);
  });
});

describe('statusCode and error mapping', () => {
  beforeEach(() => {
    stub.storage.set(TOKEN_KEY, 't');
  });

  it.each([
    [400, 'VALIDATION_FAILED', '提交的信息有误，请检查后重试'],
    [404, 'NOT_FOUND', '没有找到相关订单或退款'],
    [409, 'INVALID_STATE', '当前状态不能进行此操作，请刷新后重试'],
    [409, 'REFUND_IN_PROGRESS', '该订单已有一笔退款正在处理，请等它完成后再申请'],
    [422, 'REFUND_AMOUNT_EXCEEDS', '退款金额超过了可退金额'],
    [422, 'REFUND_WINDOW_EXPIRED', '已超过退款期限（付款后 365 天内可申请）'],
    [422, 'REFUND_LIMIT_REACHED', '该订单的退款次数已达上限'],
    [422, 'NOT_SHIPPED', '商品还没有发货，请选择仅退款'],
    [422, 'OUT_OF_STOCK', '库存不足，请减少数量或换个商品'],
    [502, 'UPSTREAM_UNAVAILABLE', '微信支付暂时连不上，请稍后重试'],
    [429, 'RATE_LIMITED', '操作太频繁了，请稍后再试'],
    [500, 'INTERNAL', '服务器开小差了，请稍后重试'],
  ])('%i %s → %s', async (status, code, message) => {
    stub.answer('POST /api/mp/orders/M1/refunds', status, { error: { code, message: 'english text from the server' } });
    const err = await caught(requestRefund('M1', { amountFen: 1, reason: '其他' }, 'k'));
    expect(err).toMatchObject({ code, statusCode: status, message, serverMessage: 'english text from the server' });
  });

  it('falls back to the server message for a code it does not know', async () => {
    stub.answer('POST /api/mp/orders', 409, { error: { code: 'SOMETHING_NEW', message: '活动已结束' } });
    const err = await caught(createOrder([{ productId: 1, quantity: 5 }], ADDRESS));
    expect(err.code).toBe('SOMETHING_NEW');
    expect(err.message).toBe('活动已结束');
  });

  it('gives a generic Chinese line for a non-JSON error page (a proxy 502)', async () => {
    stub.answer('GET /api/mp/orders', 502, '<html>Bad Gateway</html>');
    const err = await caught(listOrders());
    expect(err.statusCode).toBe(502);
    expect(err.message).toBe(ERROR_MESSAGES.INTERNAL);
    expect(errorFromResponse(418, null).message).toBe('请求失败（418），请稍后重试');
  });

  it('turns a transport failure into NETWORK_ERROR', async () => {
    stub.route('GET /api/mp/orders', () => 'network-error');
    const err = await caught(listOrders());
    expect(err.code).toBe('NETWORK_ERROR');
    expect(err.statusCode).toBe(0);
    expect(err.message).toBe('网络不给力，请检查网络后重试');
    expect(err.refusedByServer).toBe(false);
  });

  it('accepts any 2xx and refuses a 3xx', async () => {
    stub.answer('POST /api/mp/orders', 201, makeOrder({ status: 'UNPAID' }));
    expect((await createOrder([{ productId: 1, quantity: 1 }], ADDRESS)).status).toBe('UNPAID');
    stub.answer('GET /api/mp/orders', 304, '');
    await caught(listOrders());
  });

  it('a prototype key as error code is not mistaken for a known one', () => {
    const err = errorFromResponse(400, { error: { code: 'constructor', message: '服务器的话' } });
    expect(err.message).toBe('服务器的话');
  });
});

describe('one function per endpoint', () => {
  beforeEach(() => {
    stub.storage.set(TOKEN_KEY, 't');
  });

  it('sends each call to its method and path, with the contract body', async () => {
    const order = makeOrder({ orderNo: 'M 1/x' });
    const refund = makeRefund();
    stub.answer('POST /api/mp/orders', 201, order);
    stub.answer('POST /api/mp/orders/M%201%2Fx/pay', 200, { timeStamp: '1', nonceStr: 'n', package: 'prepay_id=p', signType: 'MD5', paySign: 's', sandbox: true });
    stub.answer('POST /api/mp/orders/M%201%2Fx/sandbox-pay', 200, order);
    stub.answer('GET /api/mp/orders', 200, { items: [order] });
    stub.answer('GET /api/mp/orders/M%201%2Fx', 200, order);
    stub.answer('POST /api/mp/orders/M%201%2Fx/refunds', 201, refund);
    stub.answer('GET /api/mp/refunds/R1', 200, refund);
    stub.answer('POST /api/mp/refunds/R1/cancel', 200, { ...refund, status: 'CANCELLED', actions: [] });
    stub.answer('POST /api/mp/refunds/R1/return', 200, { ...refund, status: 'RETURN_SHIPPED', actions: [] });
    const counts = { UNPAID: 0, TO_SHIP: 1, TO_RECEIVE: 0, DONE: 0, AFTER_SALES: 0 };
    stub.answer('GET /api/mp/orders?tab=TO_SHIP', 200, { items: [order], counts });
    stub.answer('POST /api/mp/orders/M%201%2Fx/receive', 200, { ...order, shippingStatus: 'RECEIVED' });

    expect(await createOrder([{ productId: 1, quantity: 2 }], ADDRESS)).toEqual(order);
    expect(stub.calls('POST /api/mp/orders')[0].data).toEqual({ items: [{ productId: 1, quantity: 2 }], address: ADDRESS });
    expect((await payOrder('M 1/x')).sandbox).toBe(true);
    expect(await sandboxPay('M 1/x')).toEqual(order);
    expect(await listOrders()).toEqual([order]);
    expect(await listOrderTab('TO_SHIP')).toEqual({ items: [order], counts });
    expect(await getOrder('M 1/x')).toEqual(order);
    expect((await receiveOrder('M 1/x')).shippingStatus).toBe('RECEIVED');
    expect(await requestRefund('M 1/x', { amountFen: 1200, reason: '不想要了' }, 'k')).toEqual(refund);
    expect(await getRefund('R1')).toEqual(refund);
    expect((await cancelRefund('R1')).status).toBe('CANCELLED');
    expect((await returnGoods('R1', { carrier: 'SF', trackingNo: 'SF123' })).status).toBe('RETURN_SHIPPED');
    expect(stub.calls('POST /api/mp/refunds/R1/return')[0].data).toEqual({ carrier: 'SF', trackingNo: 'SF123' });
    const typed = { amountFen: 1200, reason: '商品破损', type: 'RETURN_AND_REFUND' as const, images: ['/api/uploads/a'] };
    await requestRefund('M 1/x', typed, 'k2');
    expect(stub.calls('POST /api/mp/orders/M%201%2Fx/refunds')[1].data).toEqual(typed);
    expect(await listProducts()).toEqual([{ id: 1, name: '咖啡豆', priceFen: 6800, stock: 3 }]);
  });
});

describe('Idempotency-Key', () => {
  beforeEach(() => {
    stub.storage.set(TOKEN_KEY, 't');
  });

  it('sends the caller’s key with the refund request, the same key on every attempt', async () => {
    let n = 0;
    stub.route('POST /api/mp/orders/M1/refunds', () => (++n === 1 ? 'network-error' : { statusCode: 201, data: makeRefund() }));
    const body = { amountFen: 1200, reason: '不想要了' };

    await caught(requestRefund('M1', body, 'form-key-1'));
    await requestRefund('M1', body, 'form-key-1');

    expect(stub.calls('POST /api/mp/orders/M1/refunds').map((r) => r.header['Idempotency-Key'])).toEqual(['form-key-1', 'form-key-1']);
  });

  it('is not sent on other calls', async () => {
    stub.answer('GET /api/mp/orders', 200, { items: [] });
    await listOrders();
    expect(stub.calls('GET /api/mp/orders')[0].header['Idempotency-Key']).toBeUndefined();
  });
});

describe('GET /api/mp/config', () => {
  beforeEach(() => {
    forgetMpConfig();
  });

  it('needs no login, and is asked for once however many forms want it', async () => {
    stub.answer('GET /api/mp/config', 200, makeConfig());
    const [a, b] = await Promise.all([getMpConfig(), getMpConfig()]);
    expect(await getMpConfig()).toEqual(makeConfig());
    expect(a).toBe(b);
    expect(stub.calls('GET /api/mp/config')).toHaveLength(1);
    expect(stub.calls('GET /api/mp/config')[0].header.Authorization).toBeUndefined();
    expect(stub.wx.login).not.toHaveBeenCalled();
  });

  it('does not keep a failure: the next caller asks again', async () => {
    stub.route('GET /api/mp/config', () => 'network-error');
    expect((await caught(getMpConfig())).code).toBe('NETWORK_ERROR');
    stub.answer('GET /api/mp/config', 200, makeConfig());
    expect((await getMpConfig()).subscribeTemplateIds).toEqual(['TPL-REFUND']);
    expect(stub.calls('GET /api/mp/config')).toHaveLength(2);
  });
});

describe('photo upload', () => {
  it('sends the file as the multipart part "file" with the bearer token, reports progress, and gives the URL', async () => {
    stub.storage.set(TOKEN_KEY, 't');
    stub.holdUploads();
    const progress: number[] = [];
    const done = uploadImage('wxfile://tmp/a.jpg', { onProgress: (p) => progress.push(p) });
    await new Promise((r) => setTimeout(r, 0));
    const [upload] = stub.uploads;
    expect(upload).toMatchObject({ url: 'http://127.0.0.1:3000/api/mp/uploads', filePath: 'wxfile://tmp/a.jpg', name: 'file' });
    expect(upload.header.Authorization).toBe('Bearer t');
    upload.progress(40);
    upload.progress(100);
    upload.answer(201, { url: '/api/uploads/abc' });
    expect(await done).toBe('/api/uploads/abc');
    expect(progress).toEqual([40, 100]);
  });

  it('logs in first when there is no token, and again once after a 401', async () => {
    stub.storage.set(TOKEN_KEY, 'stale-token');
    stub.onUpload((u) =>
      setTimeout(() => (u.header.Authorization === 'Bearer stale-token' ? u.answer(401, { error: { code: 'UNAUTHENTICATED', message: 'x' } }) : u.answer(201, { url: '/api/uploads/b' })), 0),
    );
    expect(await uploadImage('wxfile://tmp/b.jpg')).toBe('/api/uploads/b');
    expect(stub.uploads.map((u) => u.header.Authorization)).toEqual(['Bearer stale-token', 'Bearer token-for-code-1']);
    expect(stub.wx.login).toHaveBeenCalledTimes(1);
  });

  it('reports a second 401 instead of looping', async () => {
    stub.storage.set(TOKEN_KEY, 't');
    stub.onUpload((u) => setTimeout(() => u.answer(401, { error: { code: 'UNAUTHENTICATED', message: 'x' } }), 0));
    expect((await caught(uploadImage('wxfile://tmp/c.jpg'))).code).toBe('UNAUTHENTICATED');
    expect(stub.uploads).toHaveLength(2);
  });

  it.each([
    [413, 'PAYLOAD_TOO_LARGE', '照片超过 5 MB，请换一张'],
    [400, 'VALIDATION_FAILED', '这张照片无法上传，请换一张 JPG、PNG 或 WebP 格式的照片'],
    [429, 'RATE_LIMITED', '操作太频繁了，请稍后再试'],
  ])('says what is wrong with the photo: %i', async (status, code, message) => {
    stub.storage.set(TOKEN_KEY, 't');
    stub.onUpload((u) => setTimeout(() => u.answer(status, { error: { code, message: 'server words' } }), 0));
    expect(await caught(uploadImage('wxfile://tmp/d.jpg'))).toMatchObject({ code, statusCode: status, message });
  });

  it('turns a lost connection into NETWORK_ERROR', async () => {
    stub.storage.set(TOKEN_KEY, 't');
    stub.onUpload((u) => setTimeout(() => u.fail(), 0));
    expect((await caught(uploadImage('wxfile://tmp/e.jpg'))).code).toBe('NETWORK_ERROR');
  });

  it('makes the server’s relative upload URLs loadable by <image>', () => {
    expect(absoluteUrl('/api/uploads/abc')).toBe('http://127.0.0.1:3000/api/uploads/abc');
    expect(absoluteUrl('https://cdn.example.com/a.jpg')).toBe('https://cdn.example.com/a.jpg');
  });
});
