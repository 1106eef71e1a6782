// The per-path client-certificate check of /secapi/*, and the answer WeChat's front gives without one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { sendText } from './http-io.ts';

// What WeChat's front (nginx) answers when /secapi is called without a valid client certificate (observed).
const NO_CERT_HTML =
  '<html>\r\n<head><title>400 No required SSL certificate was sent</title></head>\r\n<body>\r\n' +
  '<center><h1>400 Bad Request</h1></center>\r\n<center>No required SSL certificate was sent</center>\r\n' +
  '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** CN of a client certificate that chains to the sandbox CA; null when none was sent or it does not verify. */
export function clientCommonName(req: IncomingMessage): string | null {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) return null;
  const cn = socket.getPeerCertificate()?.subject?.CN;
  return typeof cn === 'string' ? cn : Array.isArray(cn) ? (cn[0] ?? null) : null;
}

export function sendNoCertificate(res: ServerResponse): void {
  sendText(res, 400, NO_CERT_HTML, 'text/html');
}
