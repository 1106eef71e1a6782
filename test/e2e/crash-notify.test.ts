// Crash safety (issue 6): SIGKILL while WeChat's word about a refund is being applied — inside the
// transaction that settles it from a notification or from a refund query's answer (before the commit),
// and at the very start of the refund notification route. Nothing half-applied survives; after the restart
// the redelivered notification or the next query settles each refund exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import { sandboxControl } from '../helpers/api.ts';
import { runRefundCrash, type CrashResult, type DownRefund } from '../helpers/crash.ts';
import { refundDetail } from '../helpers/invariants.ts';
import { protocolEnv, protocolsForCase } from '../helpers/protocols.ts';

let result: CrashResult | undefined;
afterEach(async () => {
  await result?.server.stop();
  result = undefined;
});

/** With the server down: WeChat's answer had come, yet nothing is REFUNDED and no `succeed` event exists. */
function nothingHalfApplied(rows: DownRefund[]) {
  expect(rows.filter((r) => r.status === 'REFUNDING').length, JSON.stringify(rows)).toBeGreaterThanOrEqual(1);
  for (const r of rows) {
    expect(['REQUESTED', 'APPROVED', 'REFUNDING']).toContain(r.status);
    expect(r.actions).not.toContain('succeed');
  }
}

async function succeedActors(r: CrashResult) {
  const actors: string[] = [];
  for (const no of r.refundNos) {
    const d = await refundDetail(r.admin, no);
    const s = d.events.filter((e) => e.action === 'succeed');
    expect(s).toHaveLength(1);
    actors.push(s[0].actor);
  }
  return actors;
}

describe('killed while a refund result is applied', () => {
  for (const protocol of protocolsForCase(0))
  it(`in-notify-apply (${protocol}): the notification’s transaction dies before commit; settled once after the restart`, async () => {
    result = await runRefundCrash({ point: 'in-notify-apply', env: protocolEnv(protocol), whileDown: nothingHalfApplied });
    expect(result.firstLogs).toMatch(/sandbox refund settled/);
    for (const a of await succeedActors(result)) expect(['wechat:notify', 'wechat:query']).toContain(a);
  });

  for (const protocol of protocolsForCase(1))
  it(`in-query-apply (${protocol}): notifications lost, the query’s transaction dies before commit; the next query settles it`, async () => {
    result = await runRefundCrash({
      point: 'in-query-apply',
      env: protocolEnv(protocol),
      beforeApprove: async (server) => {
        expect((await sandboxControl(server, 'PUT', '/sandbox/faults', { loseNotifications: 20 })).status).toBe(200);
      },
      whileDown: nothingHalfApplied,
    });
    // no notification was sent for the refunds WeChat had accepted before the crash: only a query settled them
    const accepted = new Set(result.down.filter((r) => r.acceptedAt !== null).map((r) => r.refundNo));
    expect(accepted.size).toBeGreaterThanOrEqual(1);
    const actors = await succeedActors(result);
    result.refundNos.forEach((no, i) => {
      if (accepted.has(no)) expect(`${no}: ${actors[i]}`).toBe(`${no}: wechat:query`);
    });
  });

  for (const protocol of protocolsForCase(2))
  it(`in-refund-notification (${protocol}): dies as the notification arrives; WeChat redelivers or the query settles`, async () => {
    result = await runRefundCrash({ point: 'in-refund-notification', env: protocolEnv(protocol), whileDown: nothingHalfApplied });
    for (const a of await succeedActors(result)) expect(['wechat:notify', 'wechat:query']).toContain(a);
  });
});
