// /api/openapi.json, generated from the same specs that validate and guard the requests (see route.ts): a
// route's `security` is its declared auth, which is also what picks its guard.
import { z } from 'zod';
import type { Api } from './route.ts';
import { ErrorShape } from './schemas.ts';

const STATUS_TEXT: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN (CSRF token missing or wrong, or the role may not do this), or APPROVAL_LIMIT',
  404: 'NOT_FOUND',
  409: 'INVALID_STATE / REFUND_IN_PROGRESS',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'REFUND_AMOUNT_EXCEEDS / REFUND_WINDOW_EXPIRED / REFUND_LIMIT_REACHED / OUT_OF_STOCK',
  429: 'RATE_LIMITED',
  502: 'WeChat did not answer',
};

function jsonSchema(s: z.ZodType, io: 'input' | 'output') {
  return z.toJSONSchema(s, { io, unrepresentable: 'any' });
}

export function buildOpenApi(api: Api, version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of api.specs) {
    const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters: unknown[] = [...spec.path.matchAll(/:([A-Za-z]+)/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    if (spec.query) {
      const qs = jsonSchema(spec.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(qs.properties ?? {})) {
        parameters.push({ name, in: 'query', required: qs.required?.includes(name) ?? false, schema });
      }
    }
    for (const [name, description] of Object.entries(spec.headers ?? {})) {
      parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
    }
    const ok = spec.status ?? (spec.response ? 200 : 204);
    const responses: Record<string, unknown> = {
      [ok]: {
        description: 'OK',
        ...(spec.response ? { content: { 'application/json': { schema: jsonSchema(spec.response, 'output') } } } : {}),
        ...(spec.produces ? { content: { [spec.produces]: { schema: { type: 'string' } } } } : {}),
      },
    };
    for (const code of spec.errors ?? []) {
      responses[code] = { description: STATUS_TEXT[code] ?? 'error', content: { 'application/json': { schema: jsonSchema(ErrorShape, 'output') } } };
    }
    if (spec.auth === 'wechat') {
      responses[200] = { description: 'SUCCESS reply', content: { 'application/xml': { schema: { type: 'string' } } } };
      responses[400] = { description: 'FAIL reply: nothing was changed', content: { 'application/xml': { schema: { type: 'string' } } } };
    }
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      ...(spec.auth === 'buyer' ? { security: [{ buyerToken: [] }] } : {}),
      ...(spec.auth === 'admin' ? { security: [{ adminSession: [] }] } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } } } } : {}),
      ...(spec.auth === 'wechat' ? { requestBody: { required: true, content: { 'application/xml': { schema: { type: 'string' } } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'wx-mall', version, description: 'WeChat mini-program mall with a refund workflow. Amounts are integer fen.' },
    paths,
    components: {
      securitySchemes: {
        buyerToken: { type: 'http', scheme: 'bearer', description: 'from POST /api/mp/login' },
        adminSession: { type: 'apiKey', in: 'cookie', name: 'wxmall_admin', description: 'plus X-CSRF-Token on every change' },
      },
    },
  };
}
