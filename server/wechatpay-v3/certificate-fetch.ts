// The download PlatformCertificateStore is given: a signed GET /v3/certificates over the APIv3 transport.
import { CERTIFICATES_PATH, type FetchCertificates } from './certificates.ts';
import { parseV3ErrorBody } from './errors.ts';
import type { V3Transport } from './transport.ts';

/** A `/v3/certificates` download that WeChat refused (any status but 200). */
export class CertificatesFetchError extends Error {
  override name = 'CertificatesFetchError';
  constructor(
    readonly status: number,
    readonly code: string | null,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Resolves with the answer's headers and raw body for a 200; the store itself decrypts the certificates and
 * checks the answer's signature (docs/wechat-pay.md § APIv3, "Platform certificates"). Rejects with the
 * transport's TransportError, or with CertificatesFetchError naming the status and WeChat's code.
 */
export function certificatesFetcher(t: V3Transport): FetchCertificates {
  return async () => {
    const answer = await t.request('GET', CERTIFICATES_PATH);
    if (answer.status !== 200) {
      const err = parseV3ErrorBody(answer.body);
      const why = err
        ? `${err.code}${err.message ? `: ${err.message}` : ''}`
        : answer.body.subarray(0, 200).toString('utf8').replace(/\s+/g, ' ').trim() || 'no body';
      throw new CertificatesFetchError(
        answer.status,
        err?.code ?? null,
        `GET ${CERTIFICATES_PATH} answered HTTP ${answer.status} (${why})`,
      );
    }
    return { headers: answer.headers, body: answer.body };
  };
}
