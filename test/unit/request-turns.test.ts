// serveInTurns: requests start in arrival order and every one is answered; a connection opened while requests wait
// is let in between two of them rather than after all of them; with no connection arriving, requests that came
// together run in one turn (docs/architecture.md, "Request turns").
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ARRIVAL_LINGER_MS, serveInTurns } from '../../server/http/request-turns.ts';

/** Holds the event loop as a synchronous database call would (better-sqlite3 blocks it just so). */
function blockFor(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    /* busy */
  }
}

/** Sends one GET on a fresh socket and resolves with the whole answer once the server has sent it. */
function rawGet(port: number, path: string): { socket: Socket; answer: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  socket.setNoDelay(true);
  socket.write(`GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`);
  const answer = new Promise<string>((resolve, reject) => {
    let text = '';
    socket.on('data', (d) => (text += d.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  return { socket, answer };
}

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  server = createServer();
  serveInTurns(server, handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

describe('serveInTurns', () => {
  it('starts requests in arrival order and answers every one', async () => {
    const started: string[] = [];
    const port = await listen((req, res) => {
      started.push(req.url!);
      blockFor(5);
      res.end(req.url);
    });
    // one after the other on the wire, so their arrival order is known
    const answers: Promise<string>[] = [];
    for (let i = 0; i < 6; i++) {
      const { socket, answer } = rawGet(port, `/r${i}`);
      await new Promise((resolve) => socket.once('connect', resolve));
      answers.push(answer);
    }
    const texts = await Promise.all(answers);
    texts.forEach((text, i) => expect(text.endsWith(`/r${i}`)).toBe(true));
    expect(started).toEqual(['/r0', '/r1', '/r2', '/r3', '/r4', '/r5']);
  });

  it('lets connections opened on a busy server in between requests, not after whole turns of them', async () => {
    const LOAD = 7; // keep-alive connections, each sending its next request as soon as it has an answer
    const NEW = 6; // connections opened at once while the load goes on
    const started: string[] = [];
    let burstAt = -1;
    const client = new Worker(LOAD_CLIENT, { eval: true });
    try {
      const port = await listen((req, res) => {
        started.push(req.url!);
        if (req.url === '/load' && started.length === 40 && burstAt < 0) {
          // while this request holds the loop, the client opens the new connections: all are waiting when it ends
          burstAt = started.length;
          client.postMessage({ burst: NEW });
          blockFor(100);
        } else {
          blockFor(2); // a synchronous database call's worth
        }
        res.end('ok');
      });
      const done = new Promise<void>((resolve, reject) => {
        client.on('message', (m) => (m === 'burst answered' ? resolve() : undefined));
        client.on('error', reject);
      });
      client.postMessage({ port, load: LOAD });
      await done;
    } finally {
      await client.terminate();
    }

    const afterBurst = started.slice(burstAt);
    const lastNew = afterBurst.lastIndexOf('/new');
    expect(afterBurst.filter((u) => u === '/new')).toHaveLength(NEW);
    // run whole turns, the loop accepts one connection per turn of LOAD requests: the last new connection's request
    // would start after about NEW × LOAD = 42 load requests. One request per turn: about NEW + LOAD + NEW ≈ 19
    const loadBefore = afterBurst.slice(0, lastNew).filter((u) => u === '/load').length;
    expect(loadBefore).toBeLessThan(28);
  });

  it('runs requests that arrived together in one turn when no connection is arriving', async () => {
    const WARM = 5;
    let turn = 0;
    let ticking = true;
    const tick = () => {
      turn++; // once per check phase: the turn's number
      if (ticking) setImmediate(tick);
    };
    const batchTurns: number[] = [];
    const client = new Worker(TOGETHER_CLIENT, { eval: true });
    try {
      const port = await listen((req, res) => {
        if (req.url === '/hold') {
          client.postMessage('send together'); // they arrive while this request holds the loop
          blockFor(60);
        } else if (req.url === '/together') batchTurns.push(turn);
        res.end('ok');
      });
      setImmediate(tick);
      const done = new Promise<void>((resolve, reject) => {
        client.on('message', (m) => {
          // the warm connections are accepted and answered; once no connection has arrived for the linger, hold
          if (m === 'warm') setTimeout(() => client.postMessage('hold'), ARRIVAL_LINGER_MS + 50);
          if (m === 'answered') resolve();
        });
        client.on('error', reject);
      });
      client.postMessage({ port, warm: WARM });
      await done;
    } finally {
      ticking = false;
      await client.terminate();
    }
    expect(batchTurns).toHaveLength(WARM);
    expect(new Set(batchTurns).size).toBe(1);
  });
});

/** WARM kept-alive connections and one more; on 'hold' the last sends /hold, on 'send together' the WARM send at once. */
const TOGETHER_CLIENT = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
const sockets = [];
let holder;
function open(port, onAnswer) {
  const s = net.connect(port, '127.0.0.1');
  s.setNoDelay(true);
  s.on('data', (d) => { if (d.toString().endsWith('ok')) onAnswer(); });
  s.on('error', () => {});
  return s;
}
const send = (s, path) => s.write('GET ' + path + ' HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n');
let phase = 'warm';
let answers = 0;
parentPort.on('message', (m) => {
  if (m.warm) {
    holder = open(m.port, () => {});
    for (let i = 0; i < m.warm; i++) {
      const s = open(m.port, () => {
        answers++;
        if (phase === 'warm' && answers === m.warm) { phase = 'together'; answers = 0; parentPort.postMessage('warm'); }
        else if (phase === 'together' && answers === m.warm) parentPort.postMessage('answered');
      });
      sockets.push(s);
      send(s, '/warm');
    }
  } else if (m === 'hold') send(holder, '/hold');
  else if (m === 'send together') for (const s of sockets) send(s, '/together');
});
`;


/** The load and the burst, from a thread of its own: its sockets connect and send while the server's loop is held. */
const LOAD_CLIENT = `
const { parentPort } = require('node:worker_threads');
const net = require('node:net');
let port = 0;
let stop = false;
const sockets = [];
function keepSending(socket, path, onAnswer) {
  socket.setNoDelay(true);
  socket.on('data', (d) => {
    // one small answer per request ("ok", Content-Length: 2): each data event ends one
    if (!d.toString().endsWith('ok')) return;
    onAnswer();
  });
  socket.on('error', () => {});
  socket.write('GET ' + path + ' HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n');
}
parentPort.on('message', (m) => {
  if (m.load) {
    port = m.port;
    for (let i = 0; i < m.load; i++) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.push(socket);
      keepSending(socket, '/load', () => { if (!stop) socket.write('GET /load HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n'); });
    }
  } else if (m.burst) {
    let answered = 0;
    for (let i = 0; i < m.burst; i++) {
      const socket = net.connect(port, '127.0.0.1');
      sockets.push(socket);
      keepSending(socket, '/new', () => {
        if (++answered === m.burst) { stop = true; parentPort.postMessage('burst answered'); }
      });
    }
  }
});
`;
