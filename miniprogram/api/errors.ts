// Turns what went wrong into one error type with a sentence a buyer can read (Chinese).
// The server's `{error:{code,message}}` codes are stable, so known codes get our own wording;
// an unknown code keeps the server's message, which is written for people too.

export class ApiError extends Error {
  /** The contract's stable code (e.g. REFUND_AMOUNT_EXCEEDS), or NETWORK_ERROR / LOGIN_FAILED / HTTP_ERROR. */
  readonly code: string;
  /** HTTP status, 0 when no answer arrived. */
  readonly statusCode: number;
  /** The server's own message, kept for logs. */
  readonly serverMessage: string;

  constructor(code: string, message: string, statusCode: number, serverMessage = '') {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.statusCode = statusCode;
    this.serverMessage = serverMessage;
  }

  /** 4xx: the server looked at the request and refused it, so nothing was created or changed. */
  get refusedByServer(): boolean {
    return this.statusCode >= 400 && this.statusCode < 500;
  }
}

export const ERROR_MESSAGES: Record<string, string> = {
  VALIDATION_FAILED: '提交的信息有误，请检查后重试',
  UNAUTHENTICATED: '登录已失效，请重新进入小程序',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '没有找到相关订单或退款',
  INVALID_STATE: '当前状态不能进行此操作，请刷新后重试',
  REFUND_IN_PROGRESS: '该订单已有一笔退款正在处理，请等它完成后再申请',
  PAYLOAD_TOO_LARGE: '提交的内容太长了',
  REFUND_AMOUNT_EXCEEDS: '退款金额超过了可退金额',
  REFUND_WINDOW_EXPIRED: '已超过退款期限（付款后 365 天内可申请）',
  REFUND_LIMIT_REACHED: '该订单的退款次数已达上限',
  NOT_SHIPPED: '商品还没有发货，请选择仅退款',
  OUT_OF_STOCK: '库存不足，请减少数量或换个商品',
  RATE_LIMITED: '操作太频繁了，请稍后再试',
  INTERNAL: '服务器开小差了，请稍后重试',
  UPSTREAM_UNAVAILABLE: '微信支付暂时连不上，请稍后重试',
  NETWORK_ERROR: '网络不给力，请检查网络后重试',
  LOGIN_FAILED: '微信登录失败，请稍后重试',
};

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

/** The error for a non-2xx answer: known code → our wording, else the server's message, else a generic line. */
export function errorFromResponse(statusCode: number, body: unknown): ApiError {
  const err = typeof body === 'object' && body !== null ? (body as ErrorBody).error : undefined;
  const code = typeof err?.code === 'string' ? err.code : '';
  const serverMessage = typeof err?.message === 'string' ? err.message : '';
  if (code && Object.prototype.hasOwnProperty.call(ERROR_MESSAGES, code)) {
    return new ApiError(code, ERROR_MESSAGES[code], statusCode, serverMessage);
  }
  if (serverMessage) return new ApiError(code || 'HTTP_ERROR', serverMessage, statusCode, serverMessage);
  const generic = statusCode >= 500 ? ERROR_MESSAGES.INTERNAL : `请求失败（${statusCode}），请稍后重试`;
  return new ApiError(code || 'HTTP_ERROR', generic, statusCode);
}

/** wx.request failed before any answer (no network, DNS, timeout, domain not allowed). */
export function networkError(errMsg: string): ApiError {
  return new ApiError('NETWORK_ERROR', ERROR_MESSAGES.NETWORK_ERROR, 0, errMsg);
}

/** The message to show for anything thrown on a page. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return '出了点问题，请稍后重试';
}
