// Who is acting in an admin request, in the shapes the services take: the person (for moves and events)
// and the viewer (for the `actions` in answers; a SERVICE person's approval limit is read only for them).
import type { Request } from 'express';
import type { Db } from '../db/client.ts';
import type { StaffViewer } from '../lifecycle/refunds.ts';
import type { Staff } from '../refunds/service.ts';
import { getSettings } from '../settings/service.ts';

export function staffOf(req: Request): Staff {
  return { username: req.admin!.username, role: req.admin!.role };
}

export async function viewerOf(db: Db, req: Request): Promise<StaffViewer> {
  const role = req.admin!.role;
  const approvalLimitFen = role === 'SERVICE' ? (await getSettings(db)).approvalLimitFen : undefined;
  return { role: 'admin', staffRole: role, approvalLimitFen };
}
