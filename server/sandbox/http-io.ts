// Small HTTP helpers for the sandbox server: bounded body reading, XML / JSON / text answers, control-API JSON bodies.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';

export class BodyTooLarge extends Error {
  override name = 'BodyTooLarge';
}

export const MAX_BODY_BYTES = 64 * 1024;

export async function readBody(req: IncomingMessage, max = MAX_BODY_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > max) throw new BodyTooLarge(`body larger than ${max} bytes`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body, 'utf8') });
  res.end(body);
}

export function sendXml(res: ServerResponse, xml: string): void {
  send(res, 200, 'text/xml; charset=utf-8', xml);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

export function sendText(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=utf-8'): void {
  send(res, status, type, text);
}

/** A control-API body checked by `schema` (empty = {}); undefined after answering 400 naming what is wrong. */
export function parseJson<T>(res: ServerResponse, raw: Buffer, schema: z.ZodType<T>): T | undefined {
  let value: unknown = {};
  if (raw.length > 0) {
    try {
      value = JSON.parse(raw.toString('utf8'));
    } catch {
      sendJson(res, 400, { error: 'body is not JSON' });
      return undefined;
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    sendJson(res, 400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') });
    return undefined;
  }
  return parsed.data;
}
