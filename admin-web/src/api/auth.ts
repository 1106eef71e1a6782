// Admin session endpoints: login, who am I (role, capabilities and the CSRF token after a reload), logout.
import { request } from './http';
import type { AdminLogin, AdminMe } from './types';

export function login(username: string, password: string): Promise<AdminLogin> {
  return request<AdminLogin>('/api/admin/login', {
    method: 'POST',
    body: { username, password },
    expect401: true,
  });
}

export function fetchMe(): Promise<AdminMe> {
  return request<AdminMe>('/api/admin/me', { expect401: true });
}

export function logout(): Promise<void> {
  return request<void>('/api/admin/logout', { method: 'POST', expect401: true });
}
