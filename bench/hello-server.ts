// The bare reference endpoint every figure is compared with: Express 5, one JSON route, nothing else.
// Started as its own process by bench/lib/hello.ts; prints {"url"} once listening.
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.get('/hello', (_q, r) => r.json({ ok: true }));
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
