// Declares a route once: its zod schemas validate the request AND describe it in /api/openapi.json, and its
// `auth` both documents and enforces who may call it.
import type { Request, RequestHandler, Response, Router } from 'express';
import type { z } from 'zod';
import { DomainError } from '../errors.ts';
import { CAPABILITIES, may, type Capability } from '../lifecycle/staff.ts';

/**
 * Who may call a route; declared once per spec, it both documents (openapi.ts) and enforces.
 * - `none`: public.
 * - `buyer`, `admin`: `Api.route()` puts the guard given to `new Api(guards)` (app.ts) before the handler.
 * - `wechat`: WeChat Pay's callbacks carry no credential of ours; the handler verifies the notification itself
 *   (pay: the XML's sign with the merchant key; refund: req_info must decrypt with it) and answers FAIL
 *   otherwise. Such routes are mounted by notify-routes.ts and only described here with `Api.document()`.
 */
export type Auth = 'none' | 'buyer' | 'admin' | 'wechat';

/** The middleware enforcing each auth kind. A spec whose kind has no guard here is refused at start-up. */
export type Guards = Partial<Record<Exclude<Auth, 'none'>, RequestHandler>>;

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
  /**
   * The media type of an answer that is not JSON (e.g. `text/csv`): the handler writes and ends the response
   * itself (route() sends nothing once headers are sent), and the document describes it as that type.
   */
  produces?: string;
  errors?: number[];
  /** Runs after the auth guard (so it may use req.buyer / req.admin), before the handler; never for auth. */
  middleware?: RequestHandler[];
  /**
   * For `admin` routes: the capability (lifecycle/staff.ts) the person's role needs, else 403 (default `view`:
   * every role). Moves of a refund or an order are checked by their table instead, in the door.
   */
  allow?: Capability;
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
export function validation(where: string, error: z.ZodError): DomainError {
  const issue = error.issues[0];
  const field = issue.path.length > 0 ? issue.path.join('.') : where;
  return new DomainError('VALIDATION_FAILED', `${field}: ${issue.message}`);
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validation(where, r.error);
  return r.data;
}

type AnySpec = RouteSpec<z.ZodType | undefined, z.ZodType | undefined>;

export class Api {
  private readonly declared: AnySpec[] = [];

  constructor(private readonly guards: Guards) {}

  /** Every declared route, for the OpenAPI document. Read-only: a route is added by route() or document(). */
  get specs(): readonly AnySpec[] {
    return this.declared;
  }

  route<B extends z.ZodType | undefined = undefined, Q extends z.ZodType | undefined = undefined>(
    router: Router,
    spec: RouteSpec<B, Q>,
    handler: (ctx: RouteContext<Infer<B>, Infer<Q>>) => Promise<unknown>,
  ): void {
    const guard = this.guardFor(spec);
    this.declared.push(spec as AnySpec);
    router[spec.method](spec.path, ...guard, ...(spec.middleware ?? []), async (req: Request, res: Response) => {
      const body = (spec.body ? parseWith(spec.body, req.body ?? {}, 'body') : undefined) as Infer<B>;
      const query = (spec.query ? parseWith(spec.query, req.query, 'query') : undefined) as Infer<Q>;
      const result = await handler({ req, res, body, query, params: req.params as Record<string, string> });
      if (res.headersSent) return;
      if (result === undefined) res.status(spec.status ?? 204).end();
      else res.status(spec.status ?? 200).json(result);
    });
  }

  /**
   * Describes a route mounted elsewhere whose handler authenticates the caller itself. Only `wechat`: a
   * buyer or admin route must go through route() so that its guard cannot be forgotten.
   */
  document(spec: RouteSpec & { auth: 'wechat' }): void {
    if (spec.auth !== 'wechat') throw new Error(`${routeName(spec)}: only auth 'wechat' routes verify their caller in the handler; use api.route()`);
    this.declared.push(spec as AnySpec);
  }

  private guardFor(spec: { method: string; path: string; auth: Auth; allow?: Capability }): RequestHandler[] {
    if (spec.auth === 'none') return [];
    const guard = this.guards[spec.auth];
    // fail the start, never serve a route declared as protected without its check
    if (!guard) throw new Error(`${routeName(spec)} declares auth '${spec.auth}' but the Api has no guard for it`);
    if (spec.auth !== 'admin') return [guard];
    const capability = spec.allow ?? 'view';
    const roleCheck: RequestHandler = (req, _res, next) => {
      const role = req.admin?.role;
      if (!role || !may(role, capability)) {
        throw new DomainError('FORBIDDEN', `Your role (${role ?? 'none'}) may not do this; it needs ${CAPABILITIES[capability].join(' or ')}.`);
      }
      next();
    };
    return [guard, roleCheck];
  }
}

function routeName(spec: { method: string; path: string }): string {
  return `${spec.method.toUpperCase()} ${spec.path}`;
}
