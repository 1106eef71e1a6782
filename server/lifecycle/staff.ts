// The merchant's team: each person has one role, and what each role may do is declared here and in the move
// tables (refunds.ts, shipping.ts: a merchant's move names the roles that may take it), so the checks, the
// `actions` in every answer and the admin web's menus all read the same data.

export const STAFF_ROLES = ['OWNER', 'SERVICE', 'WAREHOUSE', 'FINANCE'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Who may decide a refund request (approve or reject); SERVICE only up to the approval limit. */
export const DECIDES_REFUNDS: readonly StaffRole[] = ['OWNER', 'SERVICE', 'FINANCE'];
/** Who handles goods: ship orders, receive or refuse returns. */
export const HANDLES_GOODS: readonly StaffRole[] = ['OWNER', 'WAREHOUSE'];
/** Who handles money that went wrong: retry failed refunds, settle abnormal ones. */
export const HANDLES_MONEY: readonly StaffRole[] = ['OWNER', 'FINANCE'];

/** What a role may do besides the moves: the admin API's other changes and pages. */
export const CAPABILITIES = {
  /** see orders, refunds, products and the dashboard */
  view: STAFF_ROLES,
  manage_staff: ['OWNER'],
  manage_settings: ['OWNER'],
  manage_products: ['OWNER'],
  export_refunds: HANDLES_MONEY,
  /** send a shipment's upload to WeChat again */
  retry_shipping_upload: HANDLES_GOODS,
} as const satisfies Record<string, readonly StaffRole[]>;
export type Capability = keyof typeof CAPABILITIES;

/** Everything this role may do besides the moves, for the admin web's menus. */
export function capabilitiesOf(role: StaffRole): Capability[] {
  return (Object.keys(CAPABILITIES) as Capability[]).filter((c) => may(role, c));
}

export function may(role: StaffRole, capability: Capability): boolean {
  return (CAPABILITIES[capability] as readonly StaffRole[]).includes(role);
}

/** SERVICE decides refunds alone only up to the merchant's approval limit; above it, finance or the owner. */
export function overApprovalLimit(role: StaffRole, amountFen: number, approvalLimitFen: number): boolean {
  return role === 'SERVICE' && amountFen > approvalLimitFen;
}
