// A transaction that is run again when it lost a race. Used where the end state, not the first attempt,
// is what matters: settling what WeChat reports, where a lost compare-and-set usually means someone else
// already brought the refund where this report would put it (docs/architecture.md "Races").
import { LostRace } from '../errors.ts';
import type { Db, Tx } from './client.ts';
import { isUniqueViolation, isWriteConflict } from './errors.ts';

const ATTEMPTS = 5;

/**
 * Runs fn in a transaction; a LostRace, a unique violation or a write conflict rolls it back and fn runs again
 * on fresh reads, a few times at most.
 */
export async function transactRetryingRaces<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.$transaction(fn);
    } catch (err) {
      const raced = err instanceof LostRace || isUniqueViolation(err) || isWriteConflict(err);
      if (!raced || attempt >= ATTEMPTS) throw err;
    }
  }
}
