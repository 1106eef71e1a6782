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

/**
 * The database gave up on this transaction because another one wrote first: PostgreSQL's serialization
 * failure or deadlock (Prisma P2034), or SQLite's busy lock, which the SQLite adapter reports as a timeout
 * (P1008) — a second process on the same file whose snapshot went stale. Running again on fresh reads is
 * the cure for all of them.
 */
export function isWriteConflict(err: unknown): boolean {
  const code = codeOf(err);
  if (code === 'P2034' || code === 'P1008' || code === '40001' || code === '40P01' || (code?.startsWith('SQLITE_BUSY') ?? false)) return true;
  // a conflict found at COMMIT reaches us as the driver adapter's error, without a Prisma code
  const cause = (err as { cause?: { kind?: string; originalCode?: string } } | null)?.cause;
  return cause?.kind === 'TransactionWriteConflict' || cause?.originalCode === '40001' || cause?.originalCode === '40P01';
}
