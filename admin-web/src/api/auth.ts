// Admin session endpoints: login, who am I (recovers the CSRF token after a reload), logout.
import { request } from './http';
import type { AdminSession } from './types';

export function login(username: string, password: string): Promise<AdminSession> {
  return request<AdminSession>('/api/admin/login', {
    method: 'POST',
    body: { username, password },
    expect401: true,
  });
}

export function fetchMe(): Promise<AdminSession> {
  return request<AdminSession>('/api/admin/me', { expect401: true });
}

export function logout(): Promise<void> {
  return request<void>('/api/admin/logout', { method: 'POST', expect401: true });
}
