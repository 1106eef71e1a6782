// Sandbox mode only: asks the embedded WeChat simulator to "pay" a trade, as WeChat's cashier would after the
// buyer confirmed; the simulator then sends the signed pay notification to our notify URL.
import https from 'node:https';

export function sandboxCashier(baseUrl: string, caPem: string) {
  return (outTradeNo: string): Promise<{ delivered: boolean }> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ out_trade_no: outTradeNo });
      const req = https.request(
        new URL('/sandbox/pay', baseUrl),
        { method: 'POST', ca: caPem, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`sandbox pay answered ${res.statusCode}: ${text.slice(0, 200)}`));
            resolve({ delivered: Boolean((JSON.parse(text) as { delivered?: boolean }).delivered) });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('sandbox pay timed out')));
      req.on('error', reject);
      req.end(body);
    });
}
