// Recognising database errors that carry meaning (a unique or check constraint said no), across drivers.

function codeOf(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** A unique constraint refused the write (Prisma P2002, or the raw driver error). */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'P2002' || code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE') return true;
  const msg = err instanceof Error ? err.message : '';
  return /UNIQUE constraint failed|unique constraint/i.test(msg);
}
