// The owner's staff management: list, add, change role, disable, reset a password. Thin routes over admins/staff.ts.
import type { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/client.ts';
import { addStaff, listStaff, updateStaff } from '../admins/staff.ts';
import { STAFF_ROLES } from '../lifecycle/staff.ts';
import { parseWith, type Api } from './route.ts';

export interface StaffRouteDeps {
  db: Db;
  /** Drops the admin sessions this instance remembers (someone was disabled, or their role changed). */
  forgetAdminSessions: () => void;
}

const StaffShape = z.object({ id: z.number().int(), username: z.string(), role: z.enum(STAFF_ROLES), disabled: z.boolean(), lastLoginAt: z.string().nullable() });
const password = z.string().min(10, 'password must have at least 10 characters').max(256);
const AddStaffBody = z.strictObject({
  username: z.string().trim().regex(/^[A-Za-z0-9_.@-]{2,64}$/, 'username must be 2–64 of A-Z a-z 0-9 _ . @ -'),
  password,
  role: z.enum(STAFF_ROLES),
});
const PatchStaffBody = z
  .strictObject({ role: z.enum(STAFF_ROLES).optional(), disabled: z.boolean().optional(), password: password.optional() })
  .refine((b) => Object.keys(b).length > 0, 'body: name at least one of role, disabled, password');

export function staffRoutes(api: Api, deps: StaffRouteDeps, r: Router): void {
  const { db } = deps;

  api.route(r, { method: 'get', path: '/api/admin/staff', tag: 'admin', auth: 'admin', allow: 'manage_staff', summary: 'The merchant’s team', response: z.object({ items: z.array(StaffShape) }), errors: [401, 403] }, async () => ({
    items: await listStaff(db),
  }));

  api.route(r, { method: 'post', path: '/api/admin/staff', tag: 'admin', auth: 'admin', allow: 'manage_staff', summary: 'Add a person with a role', body: AddStaffBody, status: 201, response: StaffShape, errors: [400, 401, 403, 409] }, async ({ body }) =>
    addStaff(db, body),
  );

  api.route(r, { method: 'patch', path: '/api/admin/staff/:id', tag: 'admin', auth: 'admin', allow: 'manage_staff', summary: 'Change a person’s role, disable them (their sessions end at once) or reset their password', body: PatchStaffBody, response: StaffShape, errors: [400, 401, 403, 404, 409] }, async ({ params, body }) =>
    updateStaff(db, parseWith(z.coerce.number().int().positive(), params.id, 'id'), body, deps.forgetAdminSessions),
  );
}
