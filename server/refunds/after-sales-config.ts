// The merchant's after-sales configuration the refund code needs at run time, set once at start from the
// environment (main.ts): where buyers send goods back, and the subscribe message template.

export interface ReturnAddress {
  name: string;
  phone: string;
  address: string;
}

let returnAddress: ReturnAddress | null = null;

export function configureReturnAddress(a: ReturnAddress | null): void {
  returnAddress = a;
}

/** Where buyers send goods back; null when the merchant has not said (then no return can be approved). */
export function merchantReturnAddress(): ReturnAddress | null {
  return returnAddress;
}
