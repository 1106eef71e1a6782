// The merchant's team, managed by the owner: add a person with a role, change the role, disable them (their
// sessions end at once), reset a password. The last enabled owner can be neither disabled nor demoted, so
// a shop can never lock itself out.
import type { Db, Tx } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import { transactRetryingRaces } from '../db/transact.ts';
import { DomainError, notFound } from '../errors.ts';
import type { StaffRole } from '../lifecycle/staff.ts';
import { hashPassword } from './password.ts';

export interface StaffMember {
  id: number;
  username: string;
  role: StaffRole;
  disabled: boolean;
  lastLoginAt: string | null;
}

function view(a: { id: number; username: string; role: string; disabled: boolean; lastLoginAt: Date | null }): StaffMember {
  return { id: a.id, username: a.username, role: a.role as StaffRole, disabled: a.disabled, lastLoginAt: a.lastLoginAt?.toISOString() ?? null };
}

export async function listStaff(db: Db): Promise<StaffMember[]> {
  const rows = await db.adminUser.findMany({ orderBy: { id: 'asc' } });
  return rows.map(view);
}

export async function addStaff(db: Db, p: { username: string; password: string; role: StaffRole }): Promise<StaffMember> {
  const passwordHash = await hashPassword(p.password);
  try {
    const row = await db.$transaction((tx) => tx.adminUser.create({ data: { username: p.username, passwordHash, role: p.role, createdAt: new Date() } }));
    return view(row);
  } catch (err) {
    if (isUniqueViolation(err)) throw new DomainError('INVALID_STATE', `The username ${p.username} is taken; choose another.`);
    throw err;
  }
}

/** After a change that takes the last enabled owner away: refuse, and nothing of it stays. */
async function keepAnOwner(tx: Tx): Promise<void> {
  const owners = await tx.adminUser.count({ where: { role: 'OWNER', disabled: false } });
  if (owners === 0) throw new DomainError('INVALID_STATE', 'The last enabled owner cannot be disabled or given another role: make someone else owner first.');
}

/**
 * Claims the enabled owners' rows for this transaction, with a write that changes nothing, so that changes of
 * the team run one after the other. "Someone else is still an owner" is a fact about rows a change does not
 * write: under PostgreSQL's READ COMMITTED, two owners demoting (or disabling) each other at once would each
 * still count the other and both commit, leaving the shop without an owner. Claimed first, the second change
 * waits for the first to commit (PostgreSQL then re-checks this WHERE on the rows it waited for) and counts
 * what the first left. SQLite runs one transaction at a time already.
 */
async function claimOwners(tx: Tx): Promise<void> {
  await tx.adminUser.updateMany({ where: { role: 'OWNER', disabled: false }, data: { role: 'OWNER' } });
}

/**
 * Changes a person. Disabling them or giving them a new password ends their sessions in the same
 * transaction; a new role applies from their next request. `forgetSessions` lets the caller drop the
 * sessions it remembers (with their role) so both take effect at once here.
 */
export async function updateStaff(
  db: Db,
  id: number,
  patch: { role?: StaffRole; disabled?: boolean; password?: string },
  forgetSessions: () => void,
): Promise<StaffMember> {
  const passwordHash = patch.password === undefined ? undefined : await hashPassword(patch.password);
  const endsSessions = patch.disabled === true || passwordHash !== undefined;
  // a deadlock (PostgreSQL gives one of the two up) runs again on fresh reads
  const row = await transactRetryingRaces(db, async (tx) => {
    await claimOwners(tx);
    const before = await tx.adminUser.findUnique({ where: { id } });
    if (!before) throw notFound(`Staff member ${id}`);
    const after = await tx.adminUser.update({
      where: { id },
      data: { ...(patch.role ? { role: patch.role } : {}), ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}), ...(passwordHash ? { passwordHash } : {}) },
    });
    if (before.role === 'OWNER' && !before.disabled) await keepAnOwner(tx);
    if (endsSessions) await tx.adminSession.deleteMany({ where: { adminId: id } });
    return after;
  });
  forgetSessions();
  return view(row);
}
