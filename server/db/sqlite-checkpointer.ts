// Checkpoints of SQLite's write-ahead log, off the event loop. SQLite copies the WAL back into the database file
// during a commit once the WAL passes `wal_autocheckpoint` pages; better-sqlite3 is synchronous, so that commit,
// and every request behind it, waits: ≈ 60 % of the write time of a busy server, in stalls of up to 20 ms. Here a
// worker thread with its own connection runs PASSIVE checkpoints (they never block a reader or a writer) a few
// times a second, and the server's connection checkpoints itself only if the WAL grows far past that
// (the worker stopped or fell behind). docs/architecture.md#sqlite-tuning.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** The worker checkpoints this often. */
const EVERY_MS = 250;
/** The server's own connection checkpoints only past this many pages (≈ 40 MB of 4 KB pages): the safety net. */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

// CommonJS, evaluated as the worker's whole program: no file of its own to find once the server is bundled
const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { timeout: 5000 });
let stopped = false;
const timer = setInterval(() => {
  if (stopped) return;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy or closing: the next turn tries again */ }
}, workerData.everyMs);
parentPort.once('message', () => { stopped = true; clearInterval(timer); db.close(); process.exit(0); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

export function startCheckpointer(file: string): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs: EVERY_MS } });
  worker.unref(); // a server stopping does not wait for it
  // a failed worker leaves the server's own autocheckpoint in charge: slower commits, nothing lost
  worker.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.ref(); // now its exit is awaited: the event loop must not end before it comes
      worker.postMessage('stop');
      await exited;
    },
  };
}
