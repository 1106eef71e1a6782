// Test set-up faults (in memory, not durable): forced refund errors, slowness, dropped answers, lost/duplicated notifications.
import { z } from 'zod';

const count = z.number().int().min(0).max(1_000_000);
const times = z.number().int().min(1).max(1_000_000).default(1);

const RefundFault = z.strictObject({
  code: z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/, 'an err_code such as SYSTEMERROR'),
  times,
  outRefundNo: z.string().min(1).max(64).optional(),
});

const SettleFault = z.strictObject({
  status: z.enum(['SUCCESS', 'CHANGE', 'REFUNDCLOSE']),
  times,
  outRefundNo: z.string().min(1).max(64).optional(),
});

/** PUT /sandbox/faults body: every key optional; a key given replaces that fault, the others stay. */
export const FaultsPatch = z.strictObject({
  refund: z.array(RefundFault).max(1000).optional(),
  slowMs: z.number().int().min(0).max(600_000).optional(),
  dropAfterAccept: count.optional(),
  loseNotifications: count.optional(),
  duplicateNotifications: count.optional(),
  settleAs: z.array(SettleFault).max(1000).optional(),
});

export type FaultsPatch = z.infer<typeof FaultsPatch>;
export type SettleStatus = z.infer<typeof SettleFault>['status'];

interface Counted {
  times: number;
  outRefundNo?: string;
}

export interface FaultsState {
  refund: { code: string; times: number; outRefundNo?: string }[];
  slowMs: number;
  dropAfterAccept: number;
  loseNotifications: number;
  duplicateNotifications: number;
  settleAs: { status: SettleStatus; times: number; outRefundNo?: string }[];
}

function empty(): FaultsState {
  return { refund: [], slowMs: 0, dropAfterAccept: 0, loseNotifications: 0, duplicateNotifications: 0, settleAs: [] };
}

/** Consumes one use of the first entry aimed at this refund (or at any refund). */
function take<T extends Counted>(list: T[], outRefundNo: string | undefined): T | undefined {
  const i = list.findIndex((f) => f.outRefundNo === undefined || f.outRefundNo === outRefundNo);
  if (i < 0) return undefined;
  const hit = list[i];
  hit.times -= 1;
  if (hit.times <= 0) list.splice(i, 1);
  return hit;
}

export class Faults {
  private state: FaultsState = empty();

  apply(patch: FaultsPatch): FaultsState {
    const next = { ...this.state };
    if (patch.refund !== undefined) next.refund = patch.refund.map((f) => ({ ...f }));
    if (patch.settleAs !== undefined) next.settleAs = patch.settleAs.map((f) => ({ ...f }));
    if (patch.slowMs !== undefined) next.slowMs = patch.slowMs;
    if (patch.dropAfterAccept !== undefined) next.dropAfterAccept = patch.dropAfterAccept;
    if (patch.loseNotifications !== undefined) next.loseNotifications = patch.loseNotifications;
    if (patch.duplicateNotifications !== undefined) next.duplicateNotifications = patch.duplicateNotifications;
    this.state = next;
    return this.current();
  }

  clear(): FaultsState {
    this.state = empty();
    return this.current();
  }

  current(): FaultsState {
    return structuredClone(this.state);
  }

  get slowMs(): number {
    return this.state.slowMs;
  }

  /** The err_code to answer this refund call with instead of processing it, if a fault is armed. */
  takeRefundError(outRefundNo: string | undefined): string | undefined {
    return take(this.state.refund, outRefundNo)?.code;
  }

  takeSettleAs(outRefundNo: string): SettleStatus | undefined {
    return take(this.state.settleAs, outRefundNo)?.status;
  }

  takeDropAfterAccept(): boolean {
    return this.takeCounter('dropAfterAccept');
  }

  takeLoseNotification(): boolean {
    return this.takeCounter('loseNotifications');
  }

  takeDuplicateNotification(): boolean {
    return this.takeCounter('duplicateNotifications');
  }

  private takeCounter(key: 'dropAfterAccept' | 'loseNotifications' | 'duplicateNotifications'): boolean {
    if (this.state[key] <= 0) return false;
    this.state[key] -= 1;
    return true;
  }
}
