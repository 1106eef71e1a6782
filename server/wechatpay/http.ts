// The one HTTPS request primitive for WeChat calls: whole-call deadline, bounded body, errors sorted by cause.
import https from 'node:https';
import tls from 'node:tls';

export type TransportErrorCode = 'TIMEOUT' | 'CONNECTION' | 'TLS' | 'TOO_LARGE';

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string,
    /** The request went on a kept-alive connection that the other side closed before any answer (most likely unread). */
    readonly staleConnection = false,
  ) {
    super(message);
  }
}

/** What a connection pool towards WeChat authenticates with: the merchant's certificate (v2) and the CA to trust. */
export type AgentMaterial = Pick<tls.SecureContextOptions, 'cert' | 'key' | 'ca'>;

/**
 * The connection pool towards WeChat: kept-alive connections, and one TLS context built once. Given the key and
 * certificate as options instead, Node parses them again for every new connection (a few ms of CPU each, many
 * at once when a burst of refunds opens connections); the agent also keeps TLS sessions to resume.
 */
export function wechatAgent(material: AgentMaterial): https.Agent {
  const secureContext = tls.createSecureContext(material);
  return new https.Agent({ keepAlive: true, secureContext });
}

/** The answer as received: APIv3 needs its headers (Wechatpay-Signature covers the raw body). */
export type HttpsResult = { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer };

export type HttpsOptions = {
  method: 'GET' | 'POST';
  agent: https.Agent;
  timeoutMs: number;
  body?: string;
  headers?: Record<string, string>;
  maxBytes?: number;
  /**
   * The call may be made again with the same effect (WeChat Pay's calls, keyed by out_trade_no / out_refund_no;
   * reads): sent on a kept-alive connection that WeChat had just closed, it is sent once more on a new one.
   */
  idempotent?: boolean;
};

// What a write on a connection the peer has already closed ends with, before any answer
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);

// Certificate problems on either side: a config issue, reported apart from a dropped connection.
const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|HOSTNAME_MISMATCH)/;

function describe(err: NodeJS.ErrnoException): TransportError {
  if (err instanceof TransportError) return err;
  const code = err.code ?? '';
  // Only the code and Node's message: neither ever contains the URL, so no query-string secret leaks.
  const text = code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  return new TransportError(TLS_CODES.test(code) ? 'TLS' : 'CONNECTION', text);
}

/**
 * Sends one request and resolves with the status and the whole body, or rejects with TransportError.
 * The deadline covers connect, TLS, upload and download: a stalled WeChat must not hold a refund forever.
 *
 * A kept-alive connection can be closed by WeChat (its idle timeout) just as we write on it: the request then
 * fails at once, unread. An idempotent call is sent again, once, on a new connection, within the same deadline;
 * any other call reports the failure (`CONNECTION`), as it cannot know the request was unread.
 */
export async function httpsRequest(url: URL, opts: HttpsOptions): Promise<HttpsResult> {
  const deadline = Date.now() + opts.timeoutMs;
  try {
    return await attempt(url, opts);
  } catch (err) {
    const left = deadline - Date.now();
    if (!(err instanceof TransportError && err.staleConnection && opts.idempotent && left > 0)) throw err;
    return attempt(url, { ...opts, timeoutMs: left });
  }
}

function attempt(url: URL, opts: HttpsOptions): Promise<HttpsResult> {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  return new Promise((resolve, reject) => {
    if (url.protocol !== 'https:') {
      reject(new TransportError('CONNECTION', `refusing a non-HTTPS URL (${url.protocol})`));
      return;
    }
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (err: NodeJS.ErrnoException): void => settle(() => reject(describe(err)));
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.body !== undefined) headers['content-length'] = String(Buffer.byteLength(opts.body, 'utf8'));
    const req = https.request(url, { method: opts.method, agent: opts.agent, headers });
    const timer = setTimeout(() => {
      req.destroy(new TransportError('TIMEOUT', `no complete answer within ${opts.timeoutMs} ms`));
    }, opts.timeoutMs);
    let answered = false;
    req.on('error', (err: NodeJS.ErrnoException) => {
      const stale = !answered && req.reusedSocket && STALE_CONNECTION_CODES.has(err.code ?? '');
      fail(stale ? new TransportError('CONNECTION', `${err.code}: the kept-alive connection was closed by the other side`, true) : err);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          // settle first (a last chunk may be followed by 'end'), then tear down without an error to emit
          fail(new TransportError('TOO_LARGE', `answer larger than ${maxBytes} bytes`));
          req.destroy();
        } else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('end', () => settle(() => resolve({ status: res.statusCode ?? 0, headers: { ...res.headers }, body: Buffer.concat(chunks) })));
      res.on('close', () => {
        if (!res.complete) fail(new TransportError('CONNECTION', 'connection closed before the answer was complete'));
      });
    });
    req.end(opts.body);
  });
}
