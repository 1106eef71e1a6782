// POST /api/mp/uploads and GET /api/uploads/:id against a real server: the type is told by the bytes, the
// photo is stored re-encoded without its EXIF (GPS) and XMP and turned upright, refusals store nothing,
// and a refund request may list only the buyer's own uploads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { asBuyer, buyerLogin, http, placePaidOrder } from '../helpers/api.ts';
import { withDb } from '../helpers/database.ts';
import { expectError } from '../helpers/expect-error.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let base: string;
let token: string;

beforeAll(async () => {
  server = await startServer();
  base = server.baseUrl;
  token = await buyerLogin(base);
});

afterAll(async () => {
  await server?.stop();
});

afterAll(() => {
  // every refusal above was a DomainError with its status, none an unexpected 500
  expect(server.logs()).not.toMatch(/unhandled error/);
});

interface Part {
  name?: string; // 'file' unless told
  bytes: Buffer | string;
  filename?: string | null; // null: a plain form field, not a file
  type?: string;
}

async function upload(parts: Part[], who: string | null = token) {
  const form = new FormData();
  for (const p of parts) {
    if (p.filename === null) form.append(p.name ?? 'file', String(p.bytes));
    else form.append(p.name ?? 'file', new Blob([typeof p.bytes === 'string' ? p.bytes : new Uint8Array(p.bytes)], { type: p.type ?? 'application/octet-stream' }), p.filename ?? 'photo.jpg');
  }
  const res = await fetch(`${base}/api/mp/uploads`, { method: 'POST', body: form, headers: who ? { authorization: `Bearer ${who}` } : {} });
  const text = await res.text();
  let body: any = text; // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

const uploadOne = (bytes: Buffer | string, filename = 'photo.jpg', type = 'image/jpeg', who: string | null = token) =>
  upload([{ bytes, filename, type }], who);

async function serve(url: string) {
  const res = await fetch(`${base}${url}`);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const uploadRows = () => withDb(server.env.DATABASE_URL, (db) => db.upload.count());

/** Refused, and no row was written. */
async function expectRefused(send: () => Promise<{ status: number; body: unknown }>, status: number, code: string) {
  const before = await uploadRows();
  expectError(await send(), status, code);
  expect(await uploadRows()).toBe(before);
}

// a buyer's photo as a phone writes it: where it was taken (GPS), the phone, XMP, and the Orientation tag
const GPS_EXIF = {
  IFD0: { Make: 'LeakyPhone', Model: 'X1' },
  IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '39/1 54/1 2700/100', GPSLongitudeRef: 'E', GPSLongitude: '116/1 23/1 2900/100' },
};
const XMP = '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="39,54.45N"/></rdf:RDF></x:xmpmeta>';
const GPS_INFO_TAG = Buffer.from([0x25, 0x88]); // EXIF tag 0x8825 (the GPS IFD's pointer), little-endian

function photo(format: 'jpeg' | 'png' | 'webp', opts: { width?: number; height?: number } = {}) {
  return sharp({ create: { width: opts.width ?? 60, height: opts.height ?? 20, channels: 3, background: '#c0392b' } })
    [format]()
    .withExif(GPS_EXIF)
    .withXmp(XMP)
    .withMetadata({ orientation: 6 }) // "rotate 90° clockwise to view"
    .toBuffer();
}

async function expectStrippedAndUpright(bytes: Buffer, format: string) {
  const m = await sharp(bytes).metadata();
  expect(m.format).toBe(format);
  expect(m.exif, 'no EXIF (GPS, camera)').toBeUndefined();
  expect(m.xmp, 'no XMP').toBeUndefined();
  expect(m.orientation).toBeUndefined();
  expect([m.width, m.height], 'the 60×20 photo turned upright by its Orientation').toEqual([20, 60]);
  expect(bytes.includes('LeakyPhone')).toBe(false);
  expect(bytes.includes('GPSLatitude')).toBe(false);
}

describe('POST /api/mp/uploads: accepted photos', () => {
  it('a JPEG with GPS EXIF is stored and served without it, upright', async () => {
    const input = await photo('jpeg');
    const m = await sharp(input).metadata();
    expect(m.exif?.includes(GPS_INFO_TAG), 'the test photo does carry a GPS position').toBe(true);
    expect(m.xmp).toBeDefined();
    expect(m.orientation).toBe(6);

    const r = await uploadOne(input);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(Object.keys(r.body)).toEqual(['url']);
    expect(r.body.url).toMatch(/^\/api\/uploads\/[A-Za-z0-9_-]{24,64}$/);

    const served = await serve(r.body.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('cache-control')).toMatch(/max-age=\d{7,}/);
    expect(served.headers.get('cache-control')).toMatch(/immutable/);
    await expectStrippedAndUpright(served.bytes, 'jpeg');

    // what is stored is what is served: nothing of the original is kept anywhere
    const id = r.body.url.split('/').pop();
    const row = await withDb(server.env.DATABASE_URL, (db) => db.upload.findUniqueOrThrow({ where: { id } }));
    expect(Buffer.from(row.bytes).equals(served.bytes)).toBe(true);
    expect(row.contentType).toBe('image/jpeg');
    expect(row.sizeBytes).toBe(served.bytes.length);
  });

  it.each(['png', 'webp'] as const)('a %s is accepted, stripped and served with its true type', async (format) => {
    const r = await uploadOne(await photo(format), `photo.${format}`, `image/${format}`);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const served = await serve(r.body.url);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe(`image/${format}`);
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    await expectStrippedAndUpright(served.bytes, format);
  });

  it('the type is the bytes’: a JPEG named .png and sent as image/png is a JPEG', async () => {
    const r = await uploadOne(await photo('jpeg'), 'lies.png', 'image/png');
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect((await serve(r.body.url)).headers.get('content-type')).toBe('image/jpeg');
  });

  it('each upload has its own unguessable URL; the same photo twice is two uploads', async () => {
    const bytes = await photo('png');
    const a = await uploadOne(bytes, 'a.png');
    const b = await uploadOne(bytes, 'a.png');
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.url).not.toBe(b.body.url);
  });

  it('a cached copy is revalidated by its ETag (304), and HEAD answers the headers', async () => {
    const r = await uploadOne(await photo('webp'), 'x.webp');
    const first = await fetch(`${base}${r.body.url}`);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    // fetch adds `Cache-Control: no-cache` (never fresh) to a conditional request unless told otherwise
    const again = await fetch(`${base}${r.body.url}`, { headers: { 'if-none-match': etag!, 'cache-control': 'max-age=0' } });
    expect(again.status).toBe(304);
    const head = await fetch(`${base}${r.body.url}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('image/webp');
  });
});

describe('POST /api/mp/uploads: refusals store nothing', () => {
  it('a text file named .png is 400', async () => {
    await expectRefused(() => uploadOne('just some text, not a photo\n', 'evidence.png', 'image/png'), 400, 'VALIDATION_FAILED');
  });

  it('a GIF and an SVG are 400', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#000' } }).gif().toBuffer();
    await expectRefused(() => uploadOne(gif, 'a.gif', 'image/gif'), 400, 'VALIDATION_FAILED');
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><script>alert(document.cookie)</script></svg>';
    await expectRefused(() => uploadOne(svg, 'a.svg', 'image/svg+xml'), 400, 'VALIDATION_FAILED');
  });

  it('a JPEG header on bytes that are not a JPEG, and a truncated JPEG, are 400', async () => {
    await expectRefused(() => uploadOne(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(500, 7)])), 400, 'VALIDATION_FAILED');
    const whole = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg().toBuffer();
    await expectRefused(() => uploadOne(whole.subarray(0, Math.floor(whole.length / 2))), 400, 'VALIDATION_FAILED');
  });

  it('a PNG header on a WebP, and a PNG signature on a JPEG body, are 400 (header and decoder must agree)', async () => {
    const jpeg = await photo('jpeg');
    const forged = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), jpeg]);
    await expectRefused(() => uploadOne(forged, 'a.png', 'image/png'), 400, 'VALIDATION_FAILED');
  });

  it('a decompression bomb (48 megapixels in a small PNG) is 400 before it is decoded', async () => {
    const bomb = await sharp({ create: { width: 8000, height: 6000, channels: 3, background: '#fff' } }).png().toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = await uploadRows();
    const r = await uploadOne(bomb, 'bomb.png', 'image/png');
    expectError(r, 400, 'VALIDATION_FAILED');
    expect(r.body.error.message).toMatch(/megapixels/);
    expect(await uploadRows()).toBe(before);
  });

  it('6 MB is 413 PAYLOAD_TOO_LARGE, and so is 5 MB + 1 byte', async () => {
    const jpegHeader = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
    await expectRefused(() => uploadOne(Buffer.concat([jpegHeader, Buffer.alloc(6 * 1024 * 1024 - 4, 1)])), 413, 'PAYLOAD_TOO_LARGE');
    await expectRefused(() => uploadOne(Buffer.concat([jpegHeader, Buffer.alloc(5 * 1024 * 1024 - 3, 1)])), 413, 'PAYLOAD_TOO_LARGE');
  });

  it('a body far over the limit is refused at once (413)', async () => {
    const huge = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(30 * 1024 * 1024, 1)]);
    const before = await uploadRows();
    const r = await uploadOne(huge).catch((err: Error) => ({ status: 0, body: String(err) }));
    // the answer goes out and the connection closes; a client still sending may see the close instead
    if (r.status !== 0) expectError(r, 413, 'PAYLOAD_TOO_LARGE');
    expect(await uploadRows()).toBe(before);
    // the server is still well
    expect((await http('GET', `${base}/healthz`)).status).toBe(200);
  });

  it('no token is 401', async () => {
    await expectRefused(async () => uploadOne(await photo('jpeg'), 'a.jpg', 'image/jpeg', null), 401, 'UNAUTHENTICATED');
    await expectRefused(async () => uploadOne(await photo('jpeg'), 'a.jpg', 'image/jpeg', 'not-a-token'), 401, 'UNAUTHENTICATED');
  });

  it('two files, the wrong field, an extra field, no file, an empty file are 400', async () => {
    const jpeg = await photo('jpeg');
    await expectRefused(() => upload([{ bytes: jpeg }, { bytes: jpeg }]), 400, 'VALIDATION_FAILED');
    await expectRefused(() => upload([{ bytes: jpeg, name: 'image' }]), 400, 'VALIDATION_FAILED');
    await expectRefused(() => upload([{ bytes: jpeg }, { name: 'note', bytes: 'hello', filename: null }]), 400, 'VALIDATION_FAILED');
    await expectRefused(() => upload([{ bytes: 'hello', filename: null }]), 400, 'VALIDATION_FAILED'); // `file` as a text field
    await expectRefused(() => upload([]), 400, 'VALIDATION_FAILED');
    await expectRefused(() => upload([{ bytes: Buffer.alloc(0) }]), 400, 'VALIDATION_FAILED');
  });

  it('a body that is not multipart is 400', async () => {
    const b = asBuyer(base, token);
    await expectRefused(() => b('POST', '/api/mp/uploads', { file: 'aGVsbG8=' }), 400, 'VALIDATION_FAILED');
    await expectRefused(() => b('POST', '/api/mp/uploads', 'raw bytes', { 'content-type': 'image/jpeg' }), 400, 'VALIDATION_FAILED');
    await expectRefused(
      () => b('POST', '/api/mp/uploads', '--x\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n\xff\xd8\xff', { 'content-type': 'multipart/form-data; boundary=x' }),
      400,
      'VALIDATION_FAILED',
    );
    // a body cut off inside the file part failed the file's stream too: the server must have lived through it
    expect((await http('GET', `${base}/healthz`)).status).toBe(200);
  });
});

describe('GET /api/uploads/:id', () => {
  it('is public in /api/openapi.json (the id is the key); the upload itself takes a buyer token', async () => {
    const doc = (await http('GET', `${base}/api/openapi.json`)).body;
    expect(doc.paths['/api/uploads/{id}'].get.security).toBeUndefined();
    expect(doc.paths['/api/mp/uploads'].post.security).toEqual([{ buyerToken: [] }]);
    expect(Object.keys(doc.paths['/api/mp/uploads'].post.responses).sort()).toEqual(['201', '400', '401', '413', '429']);
  });

  it('an unknown or malformed id is 404', async () => {
    expectError(await http('GET', `${base}/api/uploads/${'A'.repeat(32)}`), 404, 'NOT_FOUND');
    expectError(await http('GET', `${base}/api/uploads/short`), 404, 'NOT_FOUND');
    expectError(await http('GET', `${base}/api/uploads/${'x'.repeat(65)}`), 404, 'NOT_FOUND');
  });
});

describe('refund requests list the buyer’s own uploads', () => {
  it('the buyer’s own upload is accepted and listed; another buyer’s is 400; 10 images are 400', async () => {
    const order = await placePaidOrder(base, token);
    const mine = (await uploadOne(await photo('jpeg'))).body.url as string;
    const other = await buyerLogin(base);
    const theirs = (await uploadOne(await photo('jpeg'), 'theirs.jpg', 'image/jpeg', other)).body.url as string;
    expect(theirs).toMatch(/^\/api\/uploads\//);
    const b = asBuyer(base, token);
    const ask = (images: string[]) => b('POST', `/api/mp/orders/${order.orderNo}/refunds`, { amountFen: 1, reason: '有破损', images });

    expectError(await ask([mine, theirs]), 400, 'VALIDATION_FAILED');
    expectError(await ask(Array.from({ length: 10 }, () => mine)), 400, 'VALIDATION_FAILED');
    const ok = await ask([mine]);
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body.images).toEqual([mine]);
    expect((await b('GET', `/api/mp/refunds/${ok.body.refundNo}`)).body.images).toEqual([mine]);
  });
});

describe('the upload budget', () => {
  it('a buyer’s 31st photo in an hour is 429 RATE_LIMITED with Retry-After; another buyer is not held back', async () => {
    const busy = await buyerLogin(base);
    const small = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#123' } }).png().toBuffer();
    for (let i = 0; i < 30; i++) {
      const r = await uploadOne(small, 'p.png', 'image/png', busy);
      expect(r.status, `upload ${i + 1}: ${JSON.stringify(r.body)}`).toBe(201);
    }
    const before = await uploadRows();
    const r = await uploadOne(small, 'p.png', 'image/png', busy);
    expectError(r, 429, 'RATE_LIMITED');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(3000);
    expect(await uploadRows()).toBe(before);
    expect((await uploadOne(small, 'p.png', 'image/png', await buyerLogin(base))).status).toBe(201);
  });
});
