// WeChat's access token kept in the database, so every instance uses the same one: a token fetched
// elsewhere can end ours early. A write never replaces a token that lives longer (a late writer loses).
// docs/wechat-pay.md, "WeChat platform calls". The token is a bearer credential: it is never logged.
import type { Db } from '../db/client.ts';
import { isUniqueViolation } from '../db/errors.ts';
import type { TokenStore } from '../wechat/platform/token.ts';

export function databaseTokenStore(db: Db, appid: string): TokenStore {
  return {
    async get() {
      const row = await db.platformToken.findUnique({ where: { id: appid } });
      return row ? { accessToken: row.accessToken, expiresAt: row.expiresAt } : null;
    },
    async put(t) {
      const data = { accessToken: t.accessToken, expiresAt: t.expiresAt, updatedAt: new Date() };
      const { count } = await db.$transaction((tx) => tx.platformToken.updateMany({ where: { id: appid, expiresAt: { lt: t.expiresAt } }, data }));
      if (count > 0) return;
      try {
        await db.$transaction((tx) => tx.platformToken.create({ data: { id: appid, ...data } }));
      } catch (err) {
        if (!isUniqueViolation(err)) throw err; // the row exists and holds a longer-lived token: keep it
      }
    },
  };
}
