// POST /api/mp/login: trade a wx.login code for our bearer token (the server does jscode2session).
import { errorFromResponse } from './errors';
import { send } from './http';
import type { LoginResult } from './types';

export async function login(code: string): Promise<LoginResult> {
  const res = await send({ method: 'POST', path: '/api/mp/login', data: { code } });
  if (res.statusCode !== 200) throw errorFromResponse(res.statusCode, res.data);
  return res.data as LoginResult;
}
