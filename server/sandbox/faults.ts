// Test set-up faults (in memory, not durable): forced refund errors, slowness, dropped answers, lost/duplicated notifications,
// unverifiable APIv3 answers, and on the platform side failed calls and openids that did not subscribe. Also the answer
// latency (latency.ts): not a fault, but set and reset the same way, so a test or a benchmark changes it without a restart.
import { z } from 'zod';
import { LatencyPatch, type LatencyRange } from './latency.ts';
import { FINAL_STATUSES, storedFinalStatus, type StoredFinalStatus } from './v3-codes.ts';

const count = z.number().int().min(0).max(1_000_000);
const times = z.number().int().min(1).max(1_000_000).default(1);

const RefundFault = z.strictObject({
  // Either vocabulary (SYSTEMERROR or SYSTEM_ERROR): kept as given, answered in the caller's protocol (v3-codes.ts).
  code: z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/, 'an err_code such as SYSTEMERROR'),
  times,
  outRefundNo: z.string().min(1).max(64).optional(),
});

const SettleFault = z.strictObject({
  // Either vocabulary (CHANGE or ABNORMAL, REFUNDCLOSE or CLOSED), kept in the store's (v2's).
  status: z.enum(FINAL_STATUSES).transform(storedFinalStatus),
  times,
  outRefundNo: z.string().min(1).max(64).optional(),
});

/** PUT /sandbox/faults body: every key optional; a key given replaces that fault, the others stay. */
export const FaultsPatch = z.strictObject({
  refund: z.array(RefundFault).max(1000).optional(),
  slowMs: z.number().int().min(0).max(600_000).optional(),
  latencyMs: LatencyPatch.optional(),
  dropAfterAccept: count.optional(),
  loseNotifications: count.optional(),
  duplicateNotifications: count.optional(),
  settleAs: z.array(SettleFault).max(1000).optional(),
  v3BadAnswers: z
    .strictObject({ count, kind: z.enum(['signature', 'stale', 'serial']) })
    .optional(),
});

export type FaultsPatch = z.infer<typeof FaultsPatch>;

/**
 * How an APIv3 answer is made unverifiable while the work is still done: `signature` signs other bytes,
 * `stale` dates it 10 minutes back, `serial` names a key the mall cannot know.
 */
export type V3BadAnswerKind = NonNullable<FaultsPatch['v3BadAnswers']>['kind'];

/** The platform APIs a failure can be aimed at (PlatformFaultsPatch.api). */
export const PLATFORM_APIS = ['stable_token', 'upload_shipping_info', 'get_order', 'subscribe_send'] as const;
export type PlatformApi = (typeof PLATFORM_APIS)[number];

/**
 * How a failed platform call fails: `errcode` answers that errcode without doing anything; `timeout` never answers
 * (the client's deadline passes); `drop` cuts the connection before doing anything; `dropAfter` does the call,
 * then cuts the connection, so the caller cannot know it succeeded.
 */
export const PLATFORM_FAILURE_MODES = ['errcode', 'timeout', 'drop', 'dropAfter'] as const;
export type PlatformFailureMode = (typeof PLATFORM_FAILURE_MODES)[number];

/**
 * POST /sandbox/platform/faults body. `failNext`, `errcode`, `mode` and `api` are one rule, replaced as a whole
 * when any of them is given (the others back to their defaults: errcode -1, mode errcode, any API); failNext 0
 * disarms it. `unsubscribed` replaces the openids that did not subscribe (43101). `expireTokens: true` expires
 * every token now (an action, not a state).
 */
export const PlatformFaultsPatch = z.strictObject({
  failNext: count.optional(),
  errcode: z.number().int().min(-1).max(2_147_483_647).optional(),
  mode: z.enum(PLATFORM_FAILURE_MODES).optional(),
  api: z.enum(PLATFORM_APIS).nullable().optional(),
  unsubscribed: z.array(z.string().min(1).max(128)).max(1000).optional(),
  expireTokens: z.literal(true).optional(),
});
export type PlatformFaultsPatch = z.infer<typeof PlatformFaultsPatch>;

export interface PlatformFaultsState {
  failNext: number;
  errcode: number;
  mode: PlatformFailureMode;
  api: PlatformApi | null;
  unsubscribed: string[];
}

function emptyPlatform(): PlatformFaultsState {
  return { failNext: 0, errcode: -1, mode: 'errcode', api: null, unsubscribed: [] };
}
export type SettleStatus = StoredFinalStatus;

interface Counted {
  times: number;
  outRefundNo?: string;
}

export interface FaultsState {
  refund: { code: string; times: number; outRefundNo?: string }[];
  /** Refund answers only; when > 0 it replaces `latencyMs` there. */
  slowMs: number;
  /** Every WeChat API answer waits a random time in this range; DELETE puts back the one the sandbox started with. */
  latencyMs: LatencyRange;
  dropAfterAccept: number;
  loseNotifications: number;
  duplicateNotifications: number;
  settleAs: { status: SettleStatus; times: number; outRefundNo?: string }[];
  /** Present only while armed (count > 0). */
  v3BadAnswers?: { count: number; kind: V3BadAnswerKind };
}

function empty(latencyMs: LatencyRange): FaultsState {
  return {
    refund: [],
    slowMs: 0,
    latencyMs: { ...latencyMs },
    dropAfterAccept: 0,
    loseNotifications: 0,
    duplicateNotifications: 0,
    settleAs: [],
  };
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
  private state: FaultsState;
  /** Apart from `state`, so GET /sandbox/faults answers what it always did; DELETE /sandbox/faults clears both. */
  private platformState: PlatformFaultsState = emptyPlatform();

  /** `startLatency`: the configured latency (SandboxOptions.latencyMs), which DELETE /sandbox/faults restores. */
  constructor(private readonly startLatency: LatencyRange) {
    this.state = empty(startLatency);
  }

  apply(patch: FaultsPatch): FaultsState {
    const next = { ...this.state };
    if (patch.refund !== undefined) next.refund = patch.refund.map((f) => ({ ...f }));
    if (patch.settleAs !== undefined) next.settleAs = patch.settleAs.map((f) => ({ ...f }));
    if (patch.slowMs !== undefined) next.slowMs = patch.slowMs;
    if (patch.latencyMs !== undefined) next.latencyMs = { ...patch.latencyMs };
    if (patch.dropAfterAccept !== undefined) next.dropAfterAccept = patch.dropAfterAccept;
    if (patch.loseNotifications !== undefined) next.loseNotifications = patch.loseNotifications;
    if (patch.duplicateNotifications !== undefined) next.duplicateNotifications = patch.duplicateNotifications;
    if (patch.v3BadAnswers !== undefined) {
      if (patch.v3BadAnswers.count > 0) next.v3BadAnswers = { ...patch.v3BadAnswers };
      else delete next.v3BadAnswers;
    }
    this.state = next;
    return this.current();
  }

  clear(): FaultsState {
    this.state = empty(this.startLatency);
    this.platformState = emptyPlatform();
    return this.current();
  }

  current(): FaultsState {
    return structuredClone(this.state);
  }

  get slowMs(): number {
    return this.state.slowMs;
  }

  get latencyMs(): LatencyRange {
    return this.state.latencyMs;
  }

  /** The err_code to answer this refund call with instead of processing it, if a fault is armed. */
  takeRefundError(outRefundNo: string | undefined): string | undefined {
    return take(this.state.refund, outRefundNo)?.code;
  }

  applyPlatform(patch: PlatformFaultsPatch): PlatformFaultsState {
    const next = { ...this.platformState };
    if (patch.failNext !== undefined || patch.errcode !== undefined || patch.mode !== undefined || patch.api !== undefined) {
      const defaults = emptyPlatform();
      next.failNext = patch.failNext ?? 1;
      next.errcode = patch.errcode ?? defaults.errcode;
      next.mode = patch.mode ?? defaults.mode;
      next.api = patch.api ?? defaults.api;
    }
    if (patch.unsubscribed !== undefined) next.unsubscribed = [...patch.unsubscribed];
    this.platformState = next;
    return this.platform();
  }

  clearPlatform(): PlatformFaultsState {
    this.platformState = emptyPlatform();
    return this.platform();
  }

  platform(): PlatformFaultsState {
    return structuredClone(this.platformState);
  }

  /** Consumes one failure if one is armed for this API. */
  takePlatformFailure(api: PlatformApi): { mode: PlatformFailureMode; errcode: number } | undefined {
    const p = this.platformState;
    if (p.failNext <= 0 || (p.api !== null && p.api !== api)) return undefined;
    p.failNext -= 1;
    return { mode: p.mode, errcode: p.errcode };
  }

  /** The openid did not subscribe (or used its subscription up): subscribe/send answers 43101. */
  isUnsubscribed(openid: string): boolean {
    return this.platformState.unsubscribed.includes(openid);
  }

  takeSettleAs(outRefundNo: string): SettleStatus | undefined {
    return take(this.state.settleAs, outRefundNo)?.status;
  }

  /** Consumes one unverifiable APIv3 answer if armed: how to spoil it. */
  takeV3BadAnswer(): V3BadAnswerKind | undefined {
    const bad = this.state.v3BadAnswers;
    if (!bad) return undefined;
    bad.count -= 1;
    if (bad.count <= 0) delete this.state.v3BadAnswers;
    return bad.kind;
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
