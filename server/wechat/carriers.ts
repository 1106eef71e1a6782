// WeChat's express company codes (delivery ids of get_delivery_list) and their Chinese names, for upload_shipping_info.

export interface Carrier {
  /** The code WeChat expects in `express_company`. */
  code: string;
  /** The name WeChat shows the buyer. */
  name: string;
  /** WeChat requires a (masked) contact in the shipping entry for this carrier. */
  contactRequired: boolean;
}

/**
 * Only codes we are sure of. WeChat's full list comes from `get_delivery_list`; add a carrier here only with
 * the code that list gives. SF (顺丰) is the one carrier for which WeChat requires the contact field.
 */
export const CARRIERS: readonly Carrier[] = Object.freeze([
  { code: 'SF', name: '顺丰速运', contactRequired: true },
  { code: 'ZTO', name: '中通快递', contactRequired: false },
  { code: 'YTO', name: '圆通速递', contactRequired: false },
  { code: 'STO', name: '申通快递', contactRequired: false },
  { code: 'YD', name: '韵达速递', contactRequired: false },
  { code: 'JTSD', name: '极兔速递', contactRequired: false },
  { code: 'EMS', name: 'EMS', contactRequired: false },
  { code: 'JD', name: '京东物流', contactRequired: false },
  { code: 'DHL', name: 'DHL', contactRequired: false }, // the code of WeChat's own upload_shipping_info examples
]);

const BY_CODE = new Map(CARRIERS.map((c) => [c.code, c]));

/** The carrier of an exact, case-sensitive code (as WeChat matches it); undefined when we do not know it. */
export function carrierByCode(code: string): Carrier | undefined {
  return BY_CODE.get(code);
}

/** The Chinese name WeChat shows for a code; undefined when we do not know the code. */
export function carrierName(code: string): string | undefined {
  return BY_CODE.get(code)?.name;
}
