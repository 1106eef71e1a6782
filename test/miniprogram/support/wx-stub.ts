// A `wx` for tests: wx.request answered by a routing table (a fake server), wx.login handing out fresh
// codes, storage in a Map, wx.uploadFile answered by a handler (or by hand, progress included), and every UI
// call (toast, loading, navigation, modal, payment, address picker, clipboard, photo picker and preview,
// subscribe dialog) recorded by vi.fn.
import { vi } from 'vitest';

export interface StubRequest {
  method: string;
  url: string;
  path: string;
  header: Record<string, string>;
  data: unknown;
}

export interface StubAnswer {
  statusCode: number;
  data?: unknown;
}

/** A route answers with a status and body, or `'network-error'` to make wx.request call `fail`. */
export type RouteHandler = (req: StubRequest) => StubAnswer | 'network-error' | Promise<StubAnswer | 'network-error'>;

export const BASE_URL = 'http://127.0.0.1:3000';

/** One wx.uploadFile call, for the test to answer: progress, then an answer or a failure. */
export interface StubUpload {
  url: string;
  path: string;
  filePath: string;
  name: string;
  header: Record<string, string>;
  aborted: boolean;
  progress(percent: number): void;
  /** The server's answer; `data` is sent as JSON text, as wx.uploadFile gives it. */
  answer(statusCode: number, data?: unknown): void;
  /** No answer at all (network). */
  fail(errMsg?: string): void;
}

/** What the subscribe dialog does: the buyer accepts, refuses (still a success), or WeChat fails it. */
export type SubscribeAnswer = 'accept' | 'reject' | 'fail';

/** What wx.chooseAddress answers (its own field names). */
export const WECHAT_ADDRESS = {
  userName: '李四',
  telNumber: '020-81167888',
  provinceName: '广东省',
  cityName: '广州市',
  countyName: '天河区',
  streetName: '',
  detailInfo: '天河路 385 号',
  detailInfoNew: '',
  postalCode: '510000',
  nationalCode: '440106',
};

export function createWx() {
  const storage = new Map<string, unknown>();
  const routes = new Map<string, RouteHandler>();
  const requests: StubRequest[] = [];
  const uploads: StubUpload[] = [];
  let loginCount = 0;
  // By default an upload succeeds with a fresh URL as soon as the stub's timers run.
  let uploadHandler: ((u: StubUpload) => void) | null = (u) => setTimeout(() => u.answer(201, { url: `/api/uploads/upload-${uploads.indexOf(u) + 1}` }), 0);
  let photosPerPick = 1;
  let photoSize = 200_000;
  let pickedPhotos = 0;
  let subscribeAnswer: SubscribeAnswer = 'accept';

  // By default a login succeeds with a new token per code, like the real server.
  routes.set('POST /api/mp/login', (req) => ({
    statusCode: 200,
    data: { token: `token-for-${(req.data as { code: string }).code}`, expiresAt: '2099-01-01T00:00:00.000Z' },
  }));

  type Callbacks<S> = { success?: (res: S) => void; fail?: (err: { errMsg: string }) => void; complete?: () => void };
  // wx-style async API: callbacks when given, else a promise (the base library does both).
  function asyncApi<O extends object, S extends object>(name: string, answer: (opts: O) => S | { fail: string }) {
    return vi.fn((opts?: O & Callbacks<S>) => {
      const o = (opts ?? {}) as O & Callbacks<S>;
      const result = answer(o);
      const failed = 'fail' in result && typeof result.fail === 'string';
      const hasCallbacks = Boolean(o.success || o.fail || o.complete);
      const settle = () => {
        if (failed) o.fail?.({ errMsg: `${name}:fail ${(result as { fail: string }).fail}` });
        else o.success?.({ errMsg: `${name}:ok`, ...(result as S) });
        o.complete?.();
      };
      if (hasCallbacks) {
        setTimeout(settle, 0);
        return undefined;
      }
      return new Promise((resolve, reject) => {
        setTimeout(() => {
          if (failed) reject({ errMsg: `${name}:fail ${(result as { fail: string }).fail}` });
          else resolve({ errMsg: `${name}:ok`, ...(result as S) });
        }, 0);
      });
    });
  }

  const wx = {
    request: vi.fn(
      (opts: {
        url: string;
        method?: string;
        header?: Record<string, string>;
        data?: unknown;
        success?: (res: { statusCode: number; data: unknown; header: object; errMsg: string }) => void;
        fail?: (err: { errMsg: string }) => void;
      }) => {
        const method = opts.method ?? 'GET';
        const path = opts.url.startsWith(BASE_URL) ? opts.url.slice(BASE_URL.length) : opts.url;
        const req: StubRequest = { method, url: opts.url, path, header: { ...opts.header }, data: opts.data };
        requests.push(req);
        const handler = routes.get(`${method} ${path}`);
        setTimeout(async () => {
          const answer = handler
            ? await handler(req)
            : { statusCode: 404, data: { error: { code: 'NOT_FOUND', message: `no stub route ${method} ${path}` } } };
          if (answer === 'network-error') opts.fail?.({ errMsg: 'request:fail timeout' });
          else opts.success?.({ statusCode: answer.statusCode, data: answer.data ?? '', header: {}, errMsg: 'request:ok' });
        }, 0);
        return { abort() {} };
      },
    ),
    login: vi.fn((opts: { success?: (r: { code: string; errMsg: string }) => void; fail?: (e: { errMsg: string }) => void }) => {
      loginCount += 1;
      const code = `code-${loginCount}`;
      setTimeout(() => opts.success?.({ code, errMsg: 'login:ok' }), 0);
    }),
    getStorageSync: vi.fn((key: string) => (storage.has(key) ? storage.get(key) : '')),
    setStorageSync: vi.fn((key: string, value: unknown) => {
      storage.set(key, value);
    }),
    removeStorageSync: vi.fn((key: string) => {
      storage.delete(key);
    }),
    showToast: vi.fn(),
    showLoading: vi.fn(),
    hideLoading: vi.fn(),
    stopPullDownRefresh: vi.fn(),
    navigateTo: vi.fn(),
    redirectTo: vi.fn(),
    navigateBack: vi.fn(),
    switchTab: vi.fn(),
    showModal: asyncApi<object, { confirm: boolean; cancel: boolean }>('showModal', () => ({ confirm: true, cancel: false })),
    requestPayment: asyncApi<object, object>('requestPayment', () => ({})),
    // The address WeChat's picker hands back by default; a test makes it fail with mockImplementationOnce.
    chooseAddress: asyncApi<object, object>('chooseAddress', () => ({ ...WECHAT_ADDRESS })),
    setClipboardData: asyncApi<{ data?: string }, object>('setClipboardData', () => ({})),
    previewImage: vi.fn(),
    // Hands back `photosPerPick` new photos (never more than `count`), like the album would.
    chooseMedia: asyncApi<{ count?: number }, object>('chooseMedia', (o) => ({
      type: 'image',
      tempFiles: Array.from({ length: Math.min(photosPerPick, o.count ?? 9) }, () => ({
        tempFilePath: `wxfile://tmp/photo-${++pickedPhotos}.jpg`,
        size: photoSize,
        fileType: 'image',
        width: 1080,
        height: 1440,
        duration: 0,
        thumbTempFilePath: '',
      })),
    })),
    requestSubscribeMessage: asyncApi<{ tmplIds?: string[] }, object>('requestSubscribeMessage', (o) =>
      subscribeAnswer === 'fail' ? { fail: 'cancel' } : Object.fromEntries((o.tmplIds ?? []).map((id) => [id, subscribeAnswer])),
    ),
    uploadFile: vi.fn(
      (opts: {
        url: string;
        filePath: string;
        name: string;
        header?: Record<string, string>;
        success?: (res: { statusCode: number; data: string; errMsg: string }) => void;
        fail?: (err: { errMsg: string }) => void;
      }) => {
        const listeners: ((p: { progress: number; totalBytesSent: number; totalBytesExpectedToSend: number }) => void)[] = [];
        let settled = false;
        const finish = (run: () => void) => {
          if (settled) return;
          settled = true;
          run();
        };
        const upload: StubUpload = {
          url: opts.url,
          path: opts.url.startsWith(BASE_URL) ? opts.url.slice(BASE_URL.length) : opts.url,
          filePath: opts.filePath,
          name: opts.name,
          header: { ...opts.header },
          aborted: false,
          progress(percent) {
            if (!settled) for (const l of listeners) l({ progress: percent, totalBytesSent: percent * 1000, totalBytesExpectedToSend: 100_000 });
          },
          answer(statusCode, data) {
            finish(() => opts.success?.({ statusCode, data: data === undefined ? '' : JSON.stringify(data), errMsg: 'uploadFile:ok' }));
          },
          fail(errMsg = 'uploadFile:fail timeout') {
            finish(() => opts.fail?.({ errMsg }));
          },
        };
        uploads.push(upload);
        uploadHandler?.(upload);
        return {
          onProgressUpdate: (l: (typeof listeners)[number]) => listeners.push(l),
          offProgressUpdate: () => undefined,
          abort() {
            upload.aborted = true;
            setTimeout(() => upload.fail('uploadFile:fail abort'), 0);
          },
        };
      },
    ),
  };

  // The page stack as getCurrentPages() reports it; tests that care put pages in it.
  const pageStack: { route: string; options: Record<string, string> }[] = [];

  return {
    wx,
    storage,
    pageStack,
    getCurrentPages: vi.fn(() => [...pageStack]),
    requests,
    /** Every wx.uploadFile call so far. */
    uploads,
    /** Uploads wait for the test to answer them (progress, answer, fail). */
    holdUploads() {
      uploadHandler = null;
    },
    /** Each upload is passed to `handler` (which may answer it) as it starts. */
    onUpload(handler: (u: StubUpload) => void) {
      uploadHandler = handler;
    },
    /** How many photos the album hands back per pick (at most what the page asks for), and their size. */
    pickPhotos(n: number, size = 200_000) {
      photosPerPick = n;
      photoSize = size;
    },
    answerSubscribe(answer: SubscribeAnswer) {
      subscribeAnswer = answer;
    },
    /** Requests to one "METHOD /path", login excluded unless asked for. */
    calls(key: string) {
      return requests.filter((r) => `${r.method} ${r.path}` === key);
    },
    route(key: string, handler: RouteHandler) {
      routes.set(key, handler);
    },
    /** Shorthand for a route that always gives the same answer. */
    answer(key: string, statusCode: number, data?: unknown) {
      routes.set(key, () => ({ statusCode, data }));
    },
    /** Text of every toast shown so far. */
    toasts() {
      return wx.showToast.mock.calls.map((c) => (c[0] as { title: string }).title);
    },
  };
}

export type WxStub = ReturnType<typeof createWx>;

/** Puts a fresh stub in place of the global `wx` (replacing miniprogram-simulate's mock, if loaded). */
export function installWx(): WxStub {
  const stub = createWx();
  const g = globalThis as unknown as { wx: unknown; getCurrentPages: unknown };
  g.wx = stub.wx;
  g.getCurrentPages = stub.getCurrentPages;
  return stub;
}
