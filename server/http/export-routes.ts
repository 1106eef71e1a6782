// Merchant exports: files the admin web downloads, streamed as they are read. Mounted in app.ts before
// adminRoutes, whose /api/admin/refunds/:refundNo would otherwise take `export.csv` for a refund number.
import type { Response, Router } from 'express';
import type { Logger } from 'pino';
import type { Db } from '../db/client.ts';
import { chinaToday } from '../queries/china-day.ts';
import { refundCsvChunks, type CsvChunk } from '../queries/refund-export.ts';
import type { Api } from './route.ts';
import * as S from './schemas.ts';

/** What these routes use of app.ts's AppDeps (declared here: http/ must not import app.ts back). */
export interface ExportRouteDeps {
  db: Db;
  log: Logger;
}

/**
 * The queue's filters minus its paging and sort (the file is always newest first) and minus `q`: refused
 * rather than ignored, so that a search typed on the queue page is never exported as "everything".
 */
export const RefundExportQuery = S.AdminRefundsQuery.omit({ q: true, sort: true, page: true, pageSize: true }).strict();

export function exportRoutes(api: Api, deps: ExportRouteDeps, r: Router): void {
  // api.route guards it like every admin route (auth: 'admin'); the handler writes the answer itself, so
  // route.ts sends nothing after it (headersSent), and `produces` documents the CSV in /api/openapi.json
  api.route(
    r,
    {
      method: 'get',
      path: '/api/admin/refunds/export.csv',
      tag: 'admin',
      auth: 'admin',
      allow: 'export_refunds', // the shop's money and buyers' words, in a file that leaves the admin web
      summary: 'The refunds matching the queue’s filters as a CSV file (UTF-8 with BOM, newest first), streamed',
      query: RefundExportQuery,
      status: 200,
      produces: 'text/csv',
      errors: [400, 401, 403],
    },
    async ({ req, res, query }) => {
      const started = Date.now();
      const headers = {
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="refunds-${chinaToday().replaceAll('-', '')}.csv"`,
        'Cache-Control': 'no-store', // buyers' reasons and the shop's figures: no proxy or browser cache keeps them
      };
      if (req.method === 'HEAD') {
        res.status(200).set(headers).end();
        return;
      }
      const sent = await writeChunks(res, refundCsvChunks(deps.db, query), () => res.status(200).set(headers));
      deps.log.info({ ...query, rows: sent.rows, aborted: sent.aborted, ms: Date.now() - started }, 'refund export');
    },
  );
}

/**
 * Writes the chunks as they come, respecting backpressure: when `res.write` says the socket's buffer is full,
 * the next chunk (hence the next database page) is not asked for until 'drain'. A client that goes away ends
 * the loop, and leaving the loop closes the generator, so no further page is read.
 *
 * The head is set with the first chunk: an error before it is still the usual JSON error answer. An error
 * after it destroys the connection, so that the client sees a failed download rather than a complete-looking
 * file with rows missing.
 */
async function writeChunks(res: Response, chunks: AsyncIterable<CsvChunk>, head: () => void): Promise<{ rows: number; aborted: boolean }> {
  let rows = 0;
  let gone = false;
  const onClose = () => {
    gone = !res.writableFinished;
  };
  res.once('close', onClose);
  try {
    for await (const chunk of chunks) {
      if (gone || res.destroyed) break;
      if (!res.headersSent) head();
      rows += chunk.rows;
      if (!res.write(chunk.text)) await drainOrClose(res);
    }
    if (!gone && !res.destroyed) res.end();
    return { rows, aborted: gone || res.destroyed };
  } catch (err) {
    if (!res.headersSent) throw err;
    res.destroy(); // no chunk terminator: the download fails; the error goes on to be logged
    throw err;
  } finally {
    res.off('close', onClose);
  }
}

function drainOrClose(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
