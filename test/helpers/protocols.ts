// The three ways the mall can speak to WeChat Pay, as server environments: APIv2, and APIv3 with WeChat Pay's
// public key or with platform certificates (the sandbox speaks all three; SANDBOX_V3_KEY_MODE picks the mall's).
export const PROTOCOLS = {
  v2: {},
  'v3-public-key': { WXPAY_API_VERSION: 'v3', SANDBOX_V3_KEY_MODE: 'public-key' },
  'v3-certificate': { WXPAY_API_VERSION: 'v3', SANDBOX_V3_KEY_MODE: 'certificate' },
} as const satisfies Record<string, Record<string, string>>;

export type Protocol = keyof typeof PROTOCOLS;
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as Protocol[];
export const V3_PROTOCOLS: Protocol[] = ['v3-public-key', 'v3-certificate'];

/**
 * The protocols one case of an expensive scenario (a crash, a restart) runs in. By default case i takes the
 * i-th protocol in turn, so a file's cases cover all three in the time of one pass; TEST_PROTOCOLS=all runs
 * every case in every protocol (before a release, or when the gateway changes).
 */
export function protocolsForCase(i: number): Protocol[] {
  if (process.env.TEST_PROTOCOLS === 'all') return PROTOCOL_NAMES;
  return [PROTOCOL_NAMES[i % PROTOCOL_NAMES.length]];
}

export function protocolEnv(p: Protocol): Record<string, string> {
  return { ...PROTOCOLS[p] };
}
