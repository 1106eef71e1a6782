// wx.request as a promise, and nothing more: no token, no retries (request.ts adds those).
import { getApiBaseUrl } from '../config';
import { networkError } from './errors';

export type HttpMethod = 'GET' | 'POST';

export interface HttpResponse {
  statusCode: number;
  data: unknown;
}

export interface HttpRequest {
  method: HttpMethod;
  path: string;
  data?: object;
  header?: Record<string, string>;
}

// Long enough for a slow mobile network, short enough that the buyer is not left staring at a spinner.
const TIMEOUT_MS = 15000;

export function send(req: HttpRequest): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    wx.request({
      url: getApiBaseUrl() + req.path,
      method: req.method,
      data: req.data,
      header: { 'content-type': 'application/json', ...req.header },
      dataType: 'json',
      timeout: TIMEOUT_MS,
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: (err) => reject(networkError(err.errMsg)),
    });
  });
}
