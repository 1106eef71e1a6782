// The contract's error answer: this status, `{"error":{"code","message"}}` with this code and a non-empty message.
import { expect } from 'vitest';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function expectError(r: { status: number; body: any }, status: number, code: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body).toEqual({ error: { code, message: expect.any(String) } });
  expect(r.body.error.message.length).toBeGreaterThan(0);
}
