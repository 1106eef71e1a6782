// `GET /v3/certificates`: every unexpired platform certificate, encrypted with the APIv3 key, signed like any answer.
import { certificatesAnswerBody } from '../wechatpay-v3/certificates.ts';
import { answer, type V3Call } from './v3-call.ts';

export function certificates(call: V3Call): void {
  const { ctx } = call;
  // A rotated-out certificate stays listed (and usable) until it expires, as WeChat does around a rotation.
  const certs = ctx.v3.platformCerts().map((c) => ({ certPem: c.certPem, effectiveAt: c.notBefore, expiresAt: c.notAfter }));
  // certificatesAnswerBody gives the exact text; parsed back here only so sendV3 serialises (and signs) one body.
  answer(call, 200, JSON.parse(certificatesAnswerBody(certs, ctx.merchant.apiV3Key)));
}
