// Declares a route once: its zod schemas validate the request AND describe it in /api/openapi.json.
import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { AppError } from './errors.ts';

export type Auth = 'none' | 'buyer' | 'admin' | 'wechat';

export interface RouteSpec<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined> {
  method: 'get' | 'post' | 'patch' | 'put' | 'delete';
  path: string; // Express style: /api/mp/orders/:orderNo
  summary: string;
  tag: string;
  auth: Auth;
  body?: B;
  query?: Q;
  headers?: Record<string, string>; // documented request headers: name → description
  status?: number;
  response?: z.ZodType;
  errors?: number[];
  middleware?: RequestHandler[];
}

type Infer<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RouteContext<B, Q> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: Record<string, string>;
}

/** Turns zod issues into the contract's 400, naming the field. */
export function validation(where: string, error: z.ZodError): AppError {
  const issue = error.issues[0];
  const field = issue.path.length > 0 ? issue.path.join('.') : where;
  return new AppError('VALIDATION_FAILED', `${field}: ${issue.message}`);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validation(where, r.error);
  return r.data;
}

export class Api {
  readonly specs: RouteSpec<z.ZodType | undefined, z.ZodType | undefined>[] = [];

  route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
    router: Router,
    spec: RouteSpec<B, Q>,
    handler: (ctx: RouteContext<Infer<B>, Infer<Q>>) => Promise<unknown>,
  ): void {
    this.specs.push(spec as RouteSpec<z.ZodType | undefined, z.ZodType | undefined>);
    router[spec.method](spec.path, ...(spec.middleware ?? []), async (req: Request, res: Response) => {
      const body = (spec.body ? parseWith(spec.body, req.body ?? {}, 'body') : undefined) as Infer<B>;
      const query = (spec.query ? parseWith(spec.query, req.query, 'query') : undefined) as Infer<Q>;
      const result = await handler({ req, res, body, query, params: req.params as Record<string, string> });
      if (res.headersSent) return;
      if (result === undefined) res.status(spec.status ?? 204).end();
      else res.status(spec.status ?? 200).json(result);
    });
  }
}
