// The few HTTP calls the benchmarks make outside the measured load: a buyer's first paid order and refund
// through the real API (the template the seeding copies), a merchant session, the sandbox's control API.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { BENCH_ADMIN } from './server.ts';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  headers: Headers;
}

export async function http(method: string, url: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Answer> {
  const res = await fetch(url, {
    method,
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

function expect(r: Answer, status: number, what: string): Answer {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r;
}

/** One buyer logs in, orders the first product, pays through the sandbox's cashier and asks for a refund. */
export async function templateOrderAndRefund(baseUrl: string): Promise<void> {
  const token = expect(await http('POST', `${baseUrl}/api/mp/login`, { body: { code: 'bench-template' } }), 200, 'login').body.token as string;
  const as = { authorization: `Bearer ${token}` };
  const product = expect(await http('GET', `${baseUrl}/api/mp/products`, { headers: as }), 200, 'products').body.items[0];
  const address = { name: '张三', phone: '13800001234', province: '广东省', city: '广州市', district: '海珠区', detail: '新港中路 397 号' };
  const order = expect(await http('POST', `${baseUrl}/api/mp/orders`, { headers: as, body: { items: [{ productId: product.id, quantity: 1 }], address } }), 201, 'order').body;
  const paid = expect(await http('POST', `${baseUrl}/api/mp/orders/${order.orderNo}/sandbox-pay`, { headers: as }), 200, 'sandbox pay').body;
  if (paid.status !== 'PAID') throw new Error(`sandbox pay: order is ${paid.status}`);
  expect(await http('POST', `${baseUrl}/api/mp/orders/${order.orderNo}/refunds`, { headers: as, body: { amountFen: 1, reason: '不想要了' } }), 201, 'refund request');
}

export interface AdminSession {
  cookie: string;
  csrfToken: string;
}

export async function adminSession(baseUrl: string): Promise<AdminSession> {
  const r = expect(await http('POST', `${baseUrl}/api/admin/login`, { body: BENCH_ADMIN }), 200, 'admin login');
  return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0], csrfToken: r.body.csrfToken as string };
}

/** The sandbox's control API (/sandbox/…) over HTTPS, trusting its CA (in `${dataDir}/sandbox`) explicitly. */
export function sandboxControl(dataDir: string, sandboxUrl: string, method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  const ca = readFileSync(path.join(dataDir, 'sandbox', 'ca.pem'));
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(new URL(p, sandboxUrl), { method, ca, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* keep text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
