// Crash safety (issue 6): SIGKILL right after the dispatcher claimed a refund (REFUNDING in the database,
// WeChat not called yet), and just before the call goes out. After the restart the refund is resent with
// the same out_refund_no and fee once its lease runs out, and everything ends REFUNDED exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import { sandboxControl } from '../helpers/api.ts';
import { runRefundCrash, type CrashResult, type DownRefund } from '../helpers/crash.ts';
import { protocolEnv, protocolsForCase } from '../helpers/protocols.ts';

let result: CrashResult | undefined;
afterEach(async () => {
  await result?.server.stop();
  result = undefined;
});

/** With the server down: one refund claimed (REFUNDING, one attempt, not accepted, no call recorded); the
 * others at most approved. WeChat never heard of any (checked after the restart: one call each in all). */
function claimedButNeverSent(rows: DownRefund[]) {
  const refunding = rows.filter((r) => r.status === 'REFUNDING');
  expect(refunding.length, JSON.stringify(rows)).toBe(1);
  expect(refunding[0]).toMatchObject({ attempts: 1, acceptedAt: null, wechatCalls: 0, actions: ['request', 'approve', 'dispatch'] });
  for (const r of rows) expect(['REQUESTED', 'APPROVED', 'REFUNDING']).toContain(r.status);
  for (const r of rows) expect(r.wechatCalls).toBe(0);
}

describe('killed between claim and WeChat call', () => {
  for (const [i, point] of ['after-claim', 'before-call'].entries()) {
    for (const protocol of protocolsForCase(i + 1)) {
      it(`${point} (${protocol}): every refund ends REFUNDED, sent once per out_refund_no with one fee`, async () => {
        result = await runRefundCrash({ point, env: protocolEnv(protocol), whileDown: claimedButNeverSent });
        // WeChat heard of none of the first round before the restart; after it, each was accepted
        const calls = (await sandboxControl(result.server, 'GET', '/sandbox/refund-calls')).body.items as Array<{ at: number; outRefundNo: string; result: string }>;
        for (const no of result.refundNos) {
          const mine = calls.filter((c) => c.outRefundNo === no);
          expect(mine.length).toBeGreaterThanOrEqual(1);
          for (const c of mine) expect(c.at, `${no} called before the restart`).toBeGreaterThanOrEqual(result.restartedAt);
          expect(mine.at(-1)!.result).toBe('SUCCESS');
        }
      });
    }
  }
});
