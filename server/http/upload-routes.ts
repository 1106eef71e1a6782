// Evidence photos: a buyer uploads one (multipart/form-data, one part `file`), gets a URL to list in a refund
// request's `images`, and anyone holding that URL (the buyer, the merchant's admin web) can see the photo.
// Multipart is parsed here with busboy, streaming and bounded, not by a body parser: JSON's parser on /api
// (app.ts) reads only application/json, so the multipart stream reaches this route unread.
import type { IncomingHttpHeaders } from 'node:http';
import busboy from 'busboy';
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { DomainError, notFound } from '../errors.ts';
import { checkUploadBudget, readUpload, storeUpload } from '../uploads/service.ts';
import { sniffImageType } from '../uploads/sniff.ts';
import { MAX_PIXELS, reencode } from '../uploads/strip.ts';
import type { Api } from './route.ts';

export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
/**
 * A body this much larger than the photo it may carry is not drained to answer 413 politely: the answer goes
 * out and the connection is closed. Below it the rest is read and dropped, so the client sees the 413.
 */
const MAX_BODY_BYTES = 2 * MAX_UPLOAD_BYTES;

/** What these routes use of app.ts's AppDeps (declared here: http/ must not import app.ts back). */
export interface UploadRouteDeps {
  db: Db;
}

const invalid = (message: string) => new DomainError('VALIDATION_FAILED', message);
const tooLarge = () => new DomainError('PAYLOAD_TOO_LARGE', `file: a photo may be at most ${MAX_UPLOAD_BYTES / 1024 / 1024} MB.`);
const ONE_FILE = 'send one photo as the multipart/form-data file part "file"';

function declaredLength(headers: IncomingHttpHeaders): number {
  const n = Number(headers['content-length']);
  return Number.isFinite(n) ? n : 0;
}

/**
 * The bytes of the one file part named `file`, read to the end of the body. Anything else (another field,
 * a second file, no file, an empty one, a broken body) is 400; a file over MAX_UPLOAD_BYTES is 413, found at
 * its MAX_UPLOAD_BYTES + 1st byte, when what was read of it is let go.
 */
function readOneFile(req: Request, res: Response): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let problem: DomainError | null = null;
    let files = 0;
    let chunks: Buffer[] = [];
    let size = 0;
    let received = 0;
    const done = (err: DomainError | null) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve(Buffer.concat(chunks, size));
    };
    const cutOff = () => {
      // over the hard cap: stop reading; Node closes the connection once the 413 is sent
      res.set('Connection', 'close');
      done(tooLarge());
    };
    const refuse = (err: DomainError) => {
      problem ??= err; // the first thing wrong is what the buyer hears; the body is still read to its end
      chunks = [];
    };

    if (declaredLength(req.headers) > MAX_BODY_BYTES) return cutOff();
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fileSize: MAX_UPLOAD_BYTES, fields: 0, parts: 2, headerPairs: 20 } });
    } catch {
      return done(invalid(`body: ${ONE_FILE}.`)); // not multipart/form-data, or no boundary
    }
    parser.on('file', (name, stream) => {
      files += 1;
      if (name !== 'file') refuse(invalid(`${name}: unexpected file part; ${ONE_FILE}.`));
      stream.on('data', (c: Buffer) => {
        if (problem) return;
        chunks.push(c);
        size += c.length;
      });
      stream.on('limit', () => refuse(tooLarge()));
      // a body cut off inside the file fails the file's stream too: unheard, that error would end the process;
      // the parser's own 'error' answers the request
      stream.on('error', () => undefined);
    });
    parser.on('fieldsLimit', () => refuse(invalid(`body: unexpected form field; ${ONE_FILE}.`)));
    parser.on('filesLimit', () => refuse(invalid(`body: only one photo per request; ${ONE_FILE}.`)));
    parser.on('partsLimit', () => refuse(invalid(`body: too many parts; ${ONE_FILE}.`)));
    parser.on('error', () => done(invalid(`body: is not a complete multipart/form-data body; ${ONE_FILE}.`)));
    parser.on('close', () => {
      if (problem) return done(problem);
      if (files === 0) return done(invalid(`file: is required; ${ONE_FILE}.`));
      if (size === 0) return done(invalid('file: is empty.'));
      done(null);
    });
    req.on('data', (c: Buffer) => {
      received += c.length;
      if (received <= MAX_BODY_BYTES || settled) return;
      req.unpipe(parser);
      cutOff();
    });
    req.on('error', () => done(invalid('body: could not be read.')));
    // the client went away mid-body: nothing more will come, and the parser would wait for it forever
    req.on('close', () => {
      if (!req.complete) done(invalid('body: was cut off.'));
    });
    req.pipe(parser);
  });
}

export function uploadRoutes(api: Api, deps: UploadRouteDeps, r: Router): void {
  const { db } = deps;

  api.route(
    r,
    {
      method: 'post',
      path: '/api/mp/uploads',
      tag: 'uploads',
      auth: 'buyer',
      summary: `Upload an evidence photo: multipart/form-data, one file part "file", JPEG, PNG or WebP (told by its bytes), ≤ ${MAX_UPLOAD_BYTES / 1024 / 1024} MB, ≤ ${MAX_PIXELS / 1_000_000} megapixels. Stored re-encoded without EXIF/GPS/XMP; list the url in a refund request's images`,
      headers: { 'Content-Type': 'multipart/form-data; boundary=…' },
      status: 201,
      response: z.object({ url: z.string().describe('/api/uploads/<id>') }),
      errors: [400, 401, 413, 429],
    },
    async ({ req, res }) => {
      const buyerId = req.buyer!.id;
      await checkUploadBudget(db, buyerId); // before the body is read; storeUpload counts again
      const bytes = await readOneFile(req, res);
      const type = sniffImageType(bytes);
      if (!type) throw invalid('file: is not a JPEG, PNG or WebP image.');
      const clean = await reencode(bytes, type);
      return { url: await storeUpload(db, buyerId, type, clean) };
    },
  );

  api.route(
    r,
    {
      method: 'get',
      path: '/api/uploads/:id',
      tag: 'uploads',
      auth: 'none',
      summary: 'An uploaded photo, to whoever holds its URL (the id is random and unguessable); never changes',
      errors: [404],
    },
    async ({ res, params }) => {
      const upload = await readUpload(db, params.id ?? '');
      if (!upload) throw notFound('Upload');
      res.set({
        'Content-Type': upload.contentType, // one of the three the table's CHECK allows, from the sniffed bytes
        'X-Content-Type-Options': 'nosniff',
        // an upload never changes; private: a buyer's photo has no business in a shared cache
        'Cache-Control': 'private, max-age=31536000, immutable',
        ETag: `"${upload.id}"`, // res.send answers 304 to a matching If-None-Match, without hashing the bytes
      });
      res.send(Buffer.from(upload.bytes.buffer, upload.bytes.byteOffset, upload.bytes.byteLength));
    },
  );
}
