// The tabs every Chinese mall shows the buyer (待付款 / 待发货 / 待收货 / 已完成 / 售后), as database filters,
// so the counts and the lists come from the same definition (and the merchant's "to ship" count too).

export const AWAITING_SHIPMENT = {
  paidAt: { not: null },
  status: { notIn: ['UNPAID', 'CLOSED', 'REFUNDED'] },
  shippingStatus: 'UNSHIPPED',
};

export const BUYER_TAB_FILTERS = {
  UNPAID: { status: 'UNPAID' },
  TO_SHIP: AWAITING_SHIPMENT,
  TO_RECEIVE: { shippingStatus: 'SHIPPED' },
  DONE: { shippingStatus: 'RECEIVED' },
  // any refund asked for, open or finished: where the buyer follows their after-sales
  AFTER_SALES: { refunds: { some: {} } },
} as const;

export type BuyerTab = keyof typeof BUYER_TAB_FILTERS;
