// While connections are arriving, runs an HTTP server's requests one per event-loop turn, so that a connection
// opened on a busy server is accepted within a few requests' time instead of after whole turns of them.
//
// Why: libuv accepts one new connection per event-loop turn, and a turn otherwise runs every request that arrived
// during its poll from start to answer (on SQLite, whose driver is synchronous, with no pause at all). On a busy
// server with 64 open connections a turn was 64 requests long, so a connection opened then waited 64 such turns
// to be accepted: many seconds for its first answer. Once a connection has been accepted, the rest of a burst is
// likely waiting: requests then queue, in the order they arrived, and one starts per turn, so the poll between two
// requests accepts the next connection. When no connection has been accepted for ARRIVAL_LINGER_MS, requests run
// straight from their sockets again, as Node runs them: queued requests live longer, and on this project's
// machines one request per turn made every request ≈ 30 % dearer. docs/architecture.md, "Request turns".
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** After a connection was accepted, one request per turn for this long: the rest of a burst may be waiting. */
export const ARRIVAL_LINGER_MS = 100;

export function serveInTurns(server: Server, handler: Handler): void {
  const waiting: Array<[IncomingMessage, ServerResponse] | undefined> = [];
  let head = 0; // the next request to start: an index, not shift(), so a long queue costs O(1) per request
  let pumping = false;
  let acceptedAt = -Infinity;
  server.on('connection', () => {
    acceptedAt = performance.now();
  });
  const arriving = (): boolean => performance.now() - acceptedAt < ARRIVAL_LINGER_MS;

  // In the check phase: hands the next request, or once connections stopped arriving all the rest, to the next
  // turn, each in its own setImmediate (queued from the check phase, they run after the next poll, and each
  // one's promises settle before the next starts), then itself again after them while any wait.
  function pump(): void {
    const end = arriving() ? head + 1 : waiting.length;
    for (; head < end; head++) {
      const [req, res] = waiting[head]!;
      waiting[head] = undefined; // let the pair be collected once answered
      setImmediate(handler, req, res);
    }
    if (head < waiting.length) {
      setImmediate(pump);
    } else {
      waiting.length = 0;
      head = 0;
      pumping = false;
    }
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!pumping && !arriving()) {
      handler(req, res); // no connection arriving: straight from its socket, in this turn
      return;
    }
    waiting.push([req, res]);
    if (!pumping) {
      pumping = true;
      setImmediate(pump);
    }
  });
}
