// Refuses a JSON body holding a NUL character anywhere (PostgreSQL text cannot store U+0000, and no field of
// ours has a use for it), or nested absurdly deep: a clear 400 naming the field, never a database error.
// Walked with an explicit stack: a hostile body of 10,000 nested arrays must not overflow ours.
import type { RequestHandler } from 'express';
import { DomainError } from '../errors.ts';

const MAX_DEPTH = 32; // our deepest body is two levels

export const rejectNul: RequestHandler = (req, _res, next) => {
  const stack: Array<{ value: unknown; path: string; depth: number }> = [{ value: req.body, path: 'body', depth: 0 }];
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop()!;
    if (typeof value === 'string') {
      if (value.includes('\u0000')) throw new DomainError('VALIDATION_FAILED', `${path}: must not contain NUL characters.`);
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_DEPTH) throw new DomainError('VALIDATION_FAILED', 'body: is nested too deeply.');
    for (const [k, v] of Object.entries(value)) {
      const child = Array.isArray(value) ? `${path}[${k}]` : path === 'body' ? k : `${path}.${k}`;
      stack.push({ value: k, path: child, depth: depth + 1 }, { value: v, path: child, depth: depth + 1 });
    }
  }
  next();
};
