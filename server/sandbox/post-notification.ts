// One notification POST, as WeChat sends it: XML (v2) or JSON (v3) body, 5-second limit, reply read up to 64 KiB.
import http from 'node:http';
import https from 'node:https';

export const NOTIFY_TIMEOUT_MS = 5000;
const MAX_REPLY_BYTES = 64 * 1024;

export interface Reply {
  status: number;
  body: string;
}

/**
 * Resolves with the reply whatever its HTTP status (v2 judges the body's return_code, v3 the status); rejects on
 * network errors. `headers` carries v3's Wechatpay-* signature.
 */
export function postNotification(
  url: string,
  body: string,
  contentType: string,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<Reply> {
  const target = new URL(url);
  const mod = target.protocol === 'https:' ? https : http;
  const payload = Buffer.from(body, 'utf8');
  return new Promise((resolve, reject) => {
    // agent:false: one connection per delivery, nothing pooled to outlive the sandbox. https uses the system CAs.
    const req = mod.request(
      target,
      {
        method: 'POST',
        agent: false,
        headers: { ...headers, 'content-type': contentType, 'content-length': payload.length, 'user-agent': 'Mozilla/4.0' },
        signal: AbortSignal.any([signal, AbortSignal.timeout(NOTIFY_TIMEOUT_MS)]),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_REPLY_BYTES) req.destroy(new Error('reply too large'));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
