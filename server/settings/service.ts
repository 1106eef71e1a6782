// The merchant's settings: the refund reasons buyers pick from (one list per refund type) and the amount
// a customer-service person may approve alone. Stored one row per key as JSON; every change is kept in
// SettingChange (who, when, from, to).
import type { Db } from '../db/client.ts';
import type { RefundType } from '../lifecycle/refunds.ts';

export interface Settings {
  approvalLimitFen: number;
  refundReasons: Record<RefundType, string[]>;
}

export const DEFAULT_SETTINGS: Settings = {
  approvalLimitFen: 50_000,
  refundReasons: {
    REFUND_ONLY: ['不想要了', '拍错了/多拍了', '商家未按时发货', '商品缺货', '其他'],
    RETURN_AND_REFUND: ['商品破损', '商品与描述不符', '质量问题', '发错货', '尺码不合适', '其他'],
  },
};

type Key = keyof Settings;
const KEYS: readonly Key[] = ['approvalLimitFen', 'refundReasons'];

export async function getSettings(db: Db): Promise<Settings> {
  const rows = await db.setting.findMany({ where: { key: { in: [...KEYS] } } });
  const stored = Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
  return { ...DEFAULT_SETTINGS, ...stored } as Settings;
}

/** Changes the given settings in one transaction, each change recorded with who made it. */
export async function updateSettings(db: Db, patch: Partial<Settings>, actor: string): Promise<Settings> {
  await db.$transaction(async (tx) => {
    const now = new Date();
    for (const key of KEYS) {
      if (patch[key] === undefined) continue;
      const value = JSON.stringify(patch[key]);
      const before = await tx.setting.findUnique({ where: { key } });
      const fromValue = before?.value ?? JSON.stringify(DEFAULT_SETTINGS[key]);
      if (fromValue === value) continue;
      await tx.setting.upsert({ where: { key }, create: { key, value, updatedAt: now }, update: { value, updatedAt: now } });
      await tx.settingChange.create({ data: { key, fromValue, toValue: value, actor, at: now } });
    }
  });
  return getSettings(db);
}

export async function settingChanges(db: Db, take = 50) {
  const rows = await db.settingChange.findMany({ orderBy: { id: 'desc' }, take });
  return rows.map((c) => ({ key: c.key, from: c.fromValue === null ? null : JSON.parse(c.fromValue), to: JSON.parse(c.toValue), actor: c.actor, at: c.at.toISOString() }));
}
