// The shop's settings: the SERVICE approval limit and the refund reasons buyers pick from, and who changed them.
import { request } from './http';
import type { SettingChange, Settings } from './types';

export function getSettings(): Promise<Settings> {
  return request<Settings>('/api/admin/settings');
}

export function updateSettings(change: Partial<Settings>): Promise<Settings> {
  return request<Settings>('/api/admin/settings', { method: 'PATCH', body: change });
}

export function listSettingChanges(): Promise<{ items: SettingChange[] }> {
  return request<{ items: SettingChange[] }>('/api/admin/settings/changes');
}
