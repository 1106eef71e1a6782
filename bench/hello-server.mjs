// The bare reference endpoint every figure is compared with: Express 5, one JSON route, nothing else.
// Plain JavaScript, run by plain node, as the built server (dist/server.mjs) is: no loader is counted in its
// start time or memory. Started as its own process by bench/lib/server.ts; prints {"url"} once listening.
import express from 'express';

const app = express();
app.get('/hello', (_q, r) => r.json({ ok: true }));
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
