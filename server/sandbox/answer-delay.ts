// The wait before a WeChat API answer is written: WeChat's latency (latency.ts), or the slowMs fault on refund answers.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Ctx } from './context.ts';
import { drawLatencyMs } from './latency.ts';

/**
 * Called after the request was read, checked and acted on, right before its answer is written: a caller that gives
 * up meanwhile leaves the work done, as with WeChat. For `refund` answers (v2 refund, v3 refund creation) a `slowMs`
 * fault, when set (> 0), wins over the latency. A timer, not a busy wait; it ends at once when the sandbox closes.
 */
export async function waitBeforeAnswer(ctx: Ctx, opts: { refund?: boolean } = {}): Promise<void> {
  const slowMs = opts.refund ? ctx.faults.slowMs : 0;
  const ms = slowMs > 0 ? slowMs : drawLatencyMs(ctx.faults.latencyMs);
  if (ms <= 0 || ctx.closing.aborted) return;
  await sleep(ms, undefined, { signal: ctx.closing }).catch(() => undefined);
}
