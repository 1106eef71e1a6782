// What the server knows of WeChat Pay: the merchant, the client SDK, where notifications come back, and
// (sandbox only) the simulated cashier. Built once in main.ts; services receive it.
import type { SignType } from '../wechatpay/sign.ts';
import type { WxPayClient } from '../wechatpay/client.ts';

export interface PayGateway {
  mode: 'sandbox' | 'live';
  merchant: { appid: string; mchId: string; apiKey: string; signType: SignType };
  client: WxPayClient;
  /** Absolute notify URL; known only once the server listens when PUBLIC_BASE_URL is not set. */
  notifyUrl(kind: 'pay' | 'refund'): string;
  /** Sandbox only: make the simulated cashier pay this trade and send WeChat's pay notification. */
  sandboxPay?: (outTradeNo: string) => Promise<{ delivered: boolean }>;
}

