// Builds the one PayGateway from the configuration: calls go out in WXPAY_API_VERSION's protocol, and
// notifications are read in whichever protocol arrives, as long as its key is known (a shop moving from v2
// to v3 still hears about the refunds it sent over v2; docs/wechat-pay.md, "Moving from v2 to v3").
import type { Logger } from 'pino';
import type { WxPayCredentials } from '../config.ts';
import { loadMerchantCert } from '../wechatpay/cert.ts';
import { createWxPayClient } from '../wechatpay/client.ts';
import type { SignType } from '../wechatpay/sign.ts';
import { certificatesFetcher } from '../wechatpay-v3/certificate-fetch.ts';
import { PlatformCertificateStore, type FetchCertificates } from '../wechatpay-v3/certificates.ts';
import { createV3Client } from '../wechatpay-v3/client.ts';
import { loadMerchantSigner, type MerchantSigner } from '../wechatpay-v3/sign.ts';
import { createV3Transport } from '../wechatpay-v3/transport.ts';
import { loadPublicKeyMode, type WechatpayKeys } from '../wechatpay-v3/verify.ts';
import { notifyPath, type ApiVersion, type NotificationRead, type PayGateway } from './gateway.ts';
import { readV2PayNotification, readV2RefundNotification, v2Calls, type V2Keys } from './v2-gateway.ts';
import { readV3PayNotification, readV3RefundNotification, v3Calls, type V3Keys } from './v3-gateway.ts';

export interface GatewaySetup {
  mode: 'sandbox' | 'live';
  apiVersion: ApiVersion;
  creds: WxPayCredentials;
  /** v3 only: verify with WeChat Pay's public key (`PUB_KEY_ID_…`) or with platform certificates. */
  v3KeyMode: 'public-key' | 'certificate';
  signType: SignType;
  baseUrl: string;
  /** A sandbox or test CA, for these calls only; verification is never off. */
  ca?: string;
  timeoutMs: number;
  /** The mall's public base URL; known only once it listens when PUBLIC_BASE_URL is not set. */
  publicBaseUrl: () => string;
  sandboxPay?: PayGateway['sandboxPay'];
  log: Logger;
}

const CERTIFICATE_CHECK_MS = 60_000;
// A serial we do not know triggers a download at most this often: WeChat announces a new certificate a day
// before it signs with it (the periodic refresh has it by then), so this is the fallback, and it keeps a flood
// of forged serials on the public notify URL down to a few downloads a minute.
const LEARN_SERIAL_EVERY_MS = 10_000;

function merchantCertOptions(c: WxPayCredentials) {
  return { p12Path: c.p12Path, passphrase: c.p12Passphrase, certPemPath: c.certPemPath, keyPemPath: c.keyPemPath };
}

/** Every download is logged: on schedule, or because WeChat signed with a serial we had not seen. */
function logged(fetch: FetchCertificates, log: Logger): FetchCertificates {
  return async () => {
    log.info('downloading WeChat Pay platform certificates (GET /v3/certificates)');
    return fetch();
  };
}

/** Platform-certificate mode: downloaded now, refreshed before they expire, and on sight of a new serial. */
function certificateKeys(store: PlatformCertificateStore, log: Logger): { keys: WechatpayKeys; stop: () => void } {
  const refresh = () =>
    store.refresh().then(
      (certs) => log.info({ serials: certs.map((c) => c.serialNo) }, 'WeChat Pay platform certificates loaded'),
      (err: Error) => log.warn({ err: err.message }, 'WeChat Pay platform certificates could not be downloaded; will try again'),
    );
  void refresh();
  const timer = setInterval(() => {
    if (store.needsRefresh()) void refresh();
  }, CERTIFICATE_CHECK_MS);
  timer.unref();
  return { keys: store, stop: () => clearInterval(timer) };
}

export function buildGateway(s: GatewaySetup): PayGateway {
  const c = s.creds;
  const notifyUrl = (version: ApiVersion) => (kind: 'pay' | 'refund') => `${s.publicBaseUrl()}${notifyPath(version, kind)}`;
  const v2Keys: V2Keys | undefined = c.apiKey ? { appid: c.appid, mchId: c.mchId, apiKey: c.apiKey, signType: s.signType } : undefined;

  let v3Keys: V3Keys | undefined;
  let signer: MerchantSigner | undefined;
  let stopCertificates = () => {};
  let v3Client: ReturnType<typeof createV3Client> | undefined;
  if (c.apiV3Key) {
    signer = loadMerchantSigner(c.mchId, { ...merchantCertOptions(c), serialNo: c.certSerialNo });
    const publicKey = s.v3KeyMode === 'public-key' && c.publicKeyId && c.publicKeyPath ? { id: c.publicKeyId, path: c.publicKeyPath } : undefined;
    const transport = createV3Transport({ mchId: c.mchId, signer, baseUrl: s.baseUrl, ca: s.ca, timeoutMs: s.timeoutMs, publicKeyId: publicKey?.id });
    let wechatpay: WechatpayKeys;
    if (publicKey) {
      wechatpay = loadPublicKeyMode(publicKey.id, publicKey.path);
    } else {
      const certs = certificateKeys(new PlatformCertificateStore({ apiV3Key: c.apiV3Key, fetch: logged(certificatesFetcher(transport), s.log), minFetchIntervalMs: LEARN_SERIAL_EVERY_MS }), s.log);
      wechatpay = certs.keys;
      stopCertificates = certs.stop;
    }
    v3Keys = { appid: c.appid, mchId: c.mchId, apiV3Key: c.apiV3Key, wechatpay };
    v3Client = createV3Client({ appid: c.appid, mchId: c.mchId, transport, keys: wechatpay });
  }

  let calls;
  if (s.apiVersion === 'v3') {
    if (!v3Client || !signer) throw new TypeError('WXPAY_API_VERSION=v3 needs WXPAY_API_V3_KEY');
    calls = v3Calls(v3Client, signer, c.appid, notifyUrl('v3'));
  } else {
    if (!v2Keys) throw new TypeError('WXPAY_API_VERSION=v2 needs WXPAY_API_KEY');
    const client = createWxPayClient({
      appid: c.appid,
      mchId: c.mchId,
      apiKey: v2Keys.apiKey,
      signType: s.signType,
      baseUrl: s.baseUrl,
      cert: loadMerchantCert(merchantCertOptions(c)),
      ca: s.ca,
      timeoutMs: s.timeoutMs,
    });
    calls = v2Calls(client, v2Keys, notifyUrl('v2'));
    // v2 calls: the v3 client only ever served notifications' certificate downloads
  }
  const activeClose = calls.close;
  const unknown = (version: ApiVersion): NotificationRead<never> => ({
    ok: false,
    reason: version === 'v3' ? 'APIv3 notifications cannot be read: WXPAY_API_V3_KEY is not set' : 'APIv2 notifications cannot be read: WXPAY_API_KEY is not set',
  });

  return {
    ...calls,
    mode: s.mode,
    apiVersion: s.apiVersion,
    appid: c.appid,
    async readPayNotification(version, n) {
      if (version === 'v3') return v3Keys ? readV3PayNotification(v3Keys, n) : unknown('v3');
      return v2Keys ? readV2PayNotification(v2Keys, n) : unknown('v2');
    },
    async readRefundNotification(version, n) {
      if (version === 'v3') return v3Keys ? readV3RefundNotification(v3Keys, n) : unknown('v3');
      return v2Keys ? readV2RefundNotification(v2Keys, n) : unknown('v2');
    },
    sandboxPay: s.sandboxPay,
    close() {
      stopCertificates();
      activeClose();
      if (s.apiVersion === 'v2') v3Client?.close();
    },
  };
}
