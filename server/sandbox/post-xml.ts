// One notification POST, as WeChat sends it: XML body, 5-second limit, reply read up to 64 KiB.
import http from 'node:http';
import https from 'node:https';

export const NOTIFY_TIMEOUT_MS = 5000;
const MAX_REPLY_BYTES = 64 * 1024;

/** Resolves with the reply body whatever the HTTP status (only the body's return_code counts); rejects on network errors. */
export function postXml(url: string, body: string, signal: AbortSignal): Promise<string> {
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
        headers: { 'content-type': 'text/xml; charset=utf-8', 'content-length': payload.length, 'user-agent': 'Mozilla/4.0' },
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
        res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
