// The burst client: opens many NEW connections to a server at once and times each one's first answer.
// Plain JavaScript run by plain node in its own process (bench/lib/burst.ts spawns it), so that its timing does
// not share an event loop with autocannon's load: autocannon, in the runner's process, staggers its own
// connections while it sets up and parses its other clients' requests, and would time its own ramp, not the server.
//
// Protocol: one JSON line per burst on stdin, {"host","port","requests":["<raw HTTP/1.1 request>", …],
// "timeoutMs"}; one JSON line per burst on stdout, {"issueMs","connectMs":[…],"answers":[{"ms","status"}|
// {"ms","error"}],"acceptedMs","maxAcceptQueue"}, where every ms is from the moment the last connect() was issued.
// It prints {"ready":true} once started and exits when stdin closes (the runner ended, or died).
import { readFileSync } from 'node:fs';
import net from 'node:net';
import readline from 'node:readline';

/**
 * Connections the kernel has established on the listening socket of `port` and the server has not accepted yet
 * (Linux: the rx_queue of a LISTEN row of /proc/net/tcp), or null where that cannot be read. It tells waiting to
 * be accepted from waiting to be served: libuv accepts one connection per event-loop iteration (libuv#3696).
 */
function acceptQueue(port) {
  try {
    const local = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
    for (const line of readFileSync('/proc/net/tcp', 'latin1').split('\n')) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(local) && f[3] === '0A') return parseInt(f[4].split(':')[1], 16);
    }
  } catch {
    /* not Linux */
  }
  return null;
}

/** Index just past the head's blank line, or -1. */
function headEnd(buf) {
  const i = buf.indexOf('\r\n\r\n');
  return i < 0 ? -1 : i + 4;
}

/**
 * The status once a whole answer is in `buf`, else null. The mall and bare Express answer with Content-Length;
 * a chunked answer counts as whole at its last-chunk marker (enough for a timing).
 */
function completeStatus(buf) {
  const end = headEnd(buf);
  if (end < 0) return null;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
  if (!status) throw new Error(`not an HTTP answer: ${JSON.stringify(head.slice(0, 80))}`);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return buf.length - end >= Number(length[1]) ? status : null;
  if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) return buf.subarray(end).includes('0\r\n\r\n') ? status : null;
  throw new Error(`an answer with neither Content-Length nor chunked: ${JSON.stringify(head.slice(0, 200))}`);
}

function burst({ host, port, requests, timeoutMs = 30_000 }) {
  // encoded before the clock starts: the burst times the server, not this process's preparation
  const bodies = requests.map((r) => Buffer.from(r, 'utf8'));
  return new Promise((resolve) => {
    const answers = new Array(bodies.length).fill(null);
    const connectMs = new Array(bodies.length).fill(null);
    const sockets = [];
    let pending = bodies.length;
    let connected = 0;
    let t0 = 0;
    const since = () => performance.now() - t0;
    // every 5 ms until the server has accepted them all: all connected by the kernel and none left in its queue
    let acceptedMs = null;
    let maxAcceptQueue = 0;
    const sampler = setInterval(() => {
      const q = acceptQueue(port);
      if (q === null) return clearInterval(sampler);
      maxAcceptQueue = Math.max(maxAcceptQueue, q);
      if (q === 0 && connected === bodies.length) {
        acceptedMs = since();
        clearInterval(sampler);
      }
    }, 5);
    const settle = (i, answer, socket) => {
      if (answers[i]) return;
      answers[i] = answer;
      socket.destroy();
      if (--pending === 0) done();
    };
    const timer = setTimeout(() => {
      for (let i = 0; i < sockets.length; i += 1) settle(i, { ms: since(), error: `no answer in ${timeoutMs} ms` }, sockets[i]);
    }, timeoutMs);
    const issue0 = performance.now();
    bodies.forEach((body, i) => {
      let buf = Buffer.alloc(0);
      const socket = net.connect({ host, port, noDelay: true });
      sockets.push(socket);
      socket.on('connect', () => {
        connectMs[i] = since();
        connected += 1;
        socket.write(body); // the request goes out as soon as the kernel has the connection; the server reads it when it accepts
      });
      socket.on('data', (chunk) => {
        buf = Buffer.concat([buf, chunk]);
        try {
          const status = completeStatus(buf);
          if (status !== null) settle(i, { ms: since(), status }, socket);
        } catch (err) {
          settle(i, { ms: since(), error: err.message }, socket);
        }
      });
      socket.on('error', (err) => settle(i, { ms: since(), error: err.code ?? err.message }, socket));
      socket.on('close', () => settle(i, { ms: since(), error: 'closed before a whole answer' }, socket));
    });
    t0 = performance.now(); // all the connect() calls are issued: the clock of every figure
    const issueMs = t0 - issue0;
    function done() {
      clearTimeout(timer);
      clearInterval(sampler);
      resolve({ issueMs, connectMs, answers, acceptedMs, maxAcceptQueue });
    }
  });
}

const lines = readline.createInterface({ input: process.stdin });
let queue = Promise.resolve();
lines.on('line', (line) => {
  if (!line.trim()) return;
  // one burst at a time: two overlapping bursts would time each other
  queue = queue.then(async () => {
    let out;
    try {
      out = await burst(JSON.parse(line));
    } catch (err) {
      out = { failed: err.message };
    }
    process.stdout.write(`${JSON.stringify(out)}\n`);
  });
});
lines.on('close', () => void queue.then(() => process.exit(0)));
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
