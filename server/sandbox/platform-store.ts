// The WeChat-platform half of the sandbox's SQLite state: calls, stable tokens, logged-in openids, shipping uploads, subscribe messages.
import type Database from 'better-sqlite3';

export interface TokenRow {
  id: number;
  token: string;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  forced: number;
}

export interface ShippingOrderRow {
  transaction_id: string;
  accepted: number;
  order_state: number;
  last_body: string;
  updated_at: number;
}

export interface ShippingUploadRow {
  id: number;
  at: number;
  transaction_id: string | null;
  errcode: number;
  reship: number;
  body: string;
}

export interface PlatformCallRow {
  id: number;
  at: number;
  api: string;
  /** The errcode answered (0 for success); null when no answer was sent (a timeout or drop fault). */
  errcode: number | null;
  /** The armed failure that played this call, if any. */
  fault: string | null;
}

export interface SubscribeMessageRow {
  id: number;
  at: number;
  touser: string | null;
  template_id: string | null;
  errcode: number;
  body: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS platform_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token TEXT NOT NULL UNIQUE,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  revoked_at INTEGER,
  forced INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS platform_openids (
  openid TEXT PRIMARY KEY,
  first_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shipping_orders (
  transaction_id TEXT PRIMARY KEY,
  accepted INTEGER NOT NULL,
  order_state INTEGER NOT NULL,
  last_body TEXT NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS shipping_uploads (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  transaction_id TEXT,
  errcode INTEGER NOT NULL,
  reship INTEGER NOT NULL DEFAULT 0,
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shipping_uploads_by_tx ON shipping_uploads(transaction_id, id);
CREATE TABLE IF NOT EXISTS platform_calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  api TEXT NOT NULL,
  errcode INTEGER,
  fault TEXT
);
CREATE TABLE IF NOT EXISTS subscribe_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  touser TEXT,
  template_id TEXT,
  errcode INTEGER NOT NULL,
  body TEXT NOT NULL
);
`;

/** Shares the sandbox's database (and so its transactions, Store.tx) with the WeChat Pay tables. */
export class PlatformStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
  }

  // --- every platform call, as it was answered ---

  recordCall(c: { at: number; api: string; errcode: number | null; fault: string | null }): void {
    this.db.prepare('INSERT INTO platform_calls (at, api, errcode, fault) VALUES (?, ?, ?, ?)').run(c.at, c.api, c.errcode, c.fault);
  }

  calls(): PlatformCallRow[] {
    return this.db.prepare('SELECT * FROM platform_calls ORDER BY id').all() as PlatformCallRow[];
  }

  // --- stable tokens ---

  /** The newest token that is neither revoked nor expired. */
  liveToken(now: number): TokenRow | undefined {
    return this.db
      .prepare('SELECT * FROM platform_tokens WHERE revoked_at IS NULL AND expires_at > ? ORDER BY expires_at DESC, id DESC LIMIT 1')
      .get(now) as TokenRow | undefined;
  }

  token(token: string): TokenRow | undefined {
    return this.db.prepare('SELECT * FROM platform_tokens WHERE token = ?').get(token) as TokenRow | undefined;
  }

  insertToken(token: string, issuedAt: number, expiresAt: number, forced: boolean): void {
    this.db
      .prepare('INSERT INTO platform_tokens (token, issued_at, expires_at, forced) VALUES (?, ?, ?, ?)')
      .run(token, issuedAt, expiresAt, forced ? 1 : 0);
  }

  /** force_refresh: every earlier token stops working at once. */
  revokeTokens(now: number): void {
    this.db.prepare('UPDATE platform_tokens SET revoked_at = ? WHERE revoked_at IS NULL').run(now);
  }

  /** The "expire all tokens now" fault; answers how many were still alive. */
  expireTokens(now: number): number {
    return this.db.prepare('UPDATE platform_tokens SET expires_at = ? WHERE expires_at > ?').run(now, now).changes;
  }

  tokens(): TokenRow[] {
    return this.db.prepare('SELECT * FROM platform_tokens ORDER BY id').all() as TokenRow[];
  }

  // --- openids WeChat knows (a login, or the payer of a trade) ---

  rememberOpenid(openid: string, now: number): void {
    this.db.prepare('INSERT OR IGNORE INTO platform_openids (openid, first_at) VALUES (?, ?)').run(openid, now);
  }

  knownOpenid(openid: string): boolean {
    return (
      this.db.prepare('SELECT 1 FROM platform_openids WHERE openid = ?').get(openid) !== undefined ||
      this.db.prepare('SELECT 1 FROM trades WHERE openid = ? LIMIT 1').get(openid) !== undefined
    );
  }

  // --- shipping ---

  shippingOrder(transactionId: string): ShippingOrderRow | undefined {
    return this.db.prepare('SELECT * FROM shipping_orders WHERE transaction_id = ?').get(transactionId) as ShippingOrderRow | undefined;
  }

  /** One more accepted upload: the first makes the order 已发货 (2), a later one replaces the shipping information. */
  acceptUpload(transactionId: string, body: string, now: number): void {
    this.db
      .prepare(
        `INSERT INTO shipping_orders (transaction_id, accepted, order_state, last_body, updated_at) VALUES (?, 1, 2, ?, ?)
         ON CONFLICT (transaction_id) DO UPDATE SET accepted = accepted + 1, last_body = excluded.last_body, updated_at = excluded.updated_at`,
      )
      .run(transactionId, body, now);
  }

  /** 确认收货 (3) or 交易完成 (4), set by the control API; false when the order was never shipped. */
  setOrderState(transactionId: string, state: number, now: number): boolean {
    return (
      this.db.prepare('UPDATE shipping_orders SET order_state = ?, updated_at = ? WHERE transaction_id = ?').run(state, now, transactionId).changes === 1
    );
  }

  recordUpload(u: { at: number; transactionId: string | null; errcode: number; reship: boolean; body: string }): void {
    this.db
      .prepare('INSERT INTO shipping_uploads (at, transaction_id, errcode, reship, body) VALUES (?, ?, ?, ?, ?)')
      .run(u.at, u.transactionId, u.errcode, u.reship ? 1 : 0, u.body);
  }

  /** Every upload that reached the shipping logic, oldest first, optionally of one transaction. */
  uploads(transactionId?: string): ShippingUploadRow[] {
    return this.db
      .prepare('SELECT * FROM shipping_uploads WHERE (@tx IS NULL OR transaction_id = @tx) ORDER BY id')
      .all({ tx: transactionId ?? null }) as ShippingUploadRow[];
  }

  // --- subscribe messages ---

  /** Records one send; answers its id, which is the msgid of an accepted message. */
  recordMessage(m: { at: number; touser: string | null; templateId: string | null; errcode: number; body: string }): number {
    return Number(
      this.db
        .prepare('INSERT INTO subscribe_messages (at, touser, template_id, errcode, body) VALUES (?, ?, ?, ?, ?)')
        .run(m.at, m.touser, m.templateId, m.errcode, m.body).lastInsertRowid,
    );
  }

  messages(): SubscribeMessageRow[] {
    return this.db.prepare('SELECT * FROM subscribe_messages ORDER BY id').all() as SubscribeMessageRow[];
  }
}
