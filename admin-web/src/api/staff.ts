// The owner's staff endpoints: the team, add a person, change one (role, disabled, new password).
import { request } from './http';
import type { StaffMember, StaffRole } from './types';

export interface NewStaff {
  username: string;
  password: string;
  role: StaffRole;
}

export type StaffChange = { role?: StaffRole; disabled?: boolean; password?: string };

export function listStaff(): Promise<{ items: StaffMember[] }> {
  return request<{ items: StaffMember[] }>('/api/admin/staff');
}

export function addStaff(body: NewStaff): Promise<StaffMember> {
  return request<StaffMember>('/api/admin/staff', { method: 'POST', body });
}

export function updateStaff(id: number, change: StaffChange): Promise<StaffMember> {
  return request<StaffMember>(`/api/admin/staff/${id}`, { method: 'PATCH', body: change });
}
