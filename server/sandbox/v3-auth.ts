// The Authorization check of every /v3/* request (docs/wechat-pay.md § APIv3, request signatures): schema, mchid,
// the merchant certificate's serial, a timestamp within 5 minutes, and the signature over the exact request.
import type { IncomingMessage } from 'node:http';
import { parseAuthorization, requestMessage } from '../wechatpay-v3/sign.ts';
import { MAX_SKEW_SECONDS, verifyWithKey } from '../wechatpay-v3/verify.ts';
import type { Ctx } from './context.ts';
import type { V3Error } from './v3-codes.ts';

const signError = (message: string): V3Error => ({ status: 401, code: 'SIGN_ERROR', message });

/** Null when the request is the merchant's, signed as APIv3 wants; otherwise the error WeChat answers. */
export function authProblem(ctx: Ctx, req: IncomingMessage, raw: Buffer, now = Date.now()): V3Error | null {
  const header = req.headers.authorization;
  if (!header) return signError('Http头缺少Authorization');
  const auth = parseAuthorization(header);
  if (!auth) return signError('Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》');
  if (auth.mchid !== ctx.merchant.mchId) return { status: 404, code: 'MCH_NOT_EXISTS', message: '商户号不存在' };
  if (auth.serial_no.toUpperCase() !== ctx.v3.merchantSerialNo) {
    return signError('商户证书序列号有误。请使用签名私钥匹配的证书序列号');
  }
  if (!/^\d{1,12}$/.test(auth.timestamp) || Math.abs(now / 1000 - Number(auth.timestamp)) > MAX_SKEW_SECONDS) {
    return signError('Http头Authorization中的timestamp与当前时间相差过大');
  }
  // Signed over the request target exactly as sent (path and query, undecoded) and the body's text.
  const message = requestMessage(req.method ?? 'GET', req.url ?? '/', auth.timestamp, auth.nonce_str, raw.toString('utf8'));
  if (!verifyWithKey(message, auth.signature, ctx.v3.merchantPublicKey)) {
    return signError('签名错误，请检查后再试');
  }
  return null;
}
