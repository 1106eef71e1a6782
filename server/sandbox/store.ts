// The sandbox's durable state in SQLite (better-sqlite3, WAL): trades, refunds, refund calls, pending notifications.
import Database from 'better-sqlite3';
import type { WxRefundState } from '../wechatpay/client.ts';

export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED';
export type NotificationStatus = 'PENDING' | 'DELIVERED' | 'GAVE_UP';
/** The protocol a trade, refund, call or notification was made in: a shop may switch with refunds in flight. */
export type Protocol = 'v2' | 'v3';
/** Which WeChat Pay key signs an APIv3 answer or notification: the public key (`PUB_KEY_ID_…`) or a platform certificate. */
export type KeyMode = 'public-key' | 'platform-certificate';
/** How notifications of a trade or refund are sent: v2 XML, or v3 JSON signed in a key mode. */
export interface Via {
  protocol: Protocol;
  keyMode: KeyMode | null;
}
export const V2: Via = { protocol: 'v2', keyMode: null };

export interface TradeRow {
  out_trade_no: string;
  appid: string;
  mch_id: string;
  body: string;
  attach: string | null;
  device_info: string | null;
  total_fee: number;
  fee_type: string;
  trade_type: string;
  openid: string | null;
  notify_url: string;
  sign_type: string;
  time_expire_ms: number | null;
  prepay_id: string;
  state: TradeState;
  transaction_id: string | null;
  time_end: string | null;
  created_at: number;
  protocol: Protocol;
  key_mode: KeyMode | null;
}

export interface RefundRow {
  seq: number;
  out_refund_no: string;
  refund_id: string;
  out_trade_no: string;
  total_fee: number;
  refund_fee: number;
  status: WxRefundState; // the sandbox plays WeChat: its refunds have WeChat's states
  source: 'API' | 'VENDOR_PLATFORM';
  refund_account: string;
  notify_url: string | null;
  settle_at: number | null;
  success_time: string | null;
  created_at: number;
  protocol: Protocol;
  key_mode: KeyMode | null;
  /** Where the money went, in WeChat's words; null = 支付用户零钱 (set by apply-abnormal-refund). */
  received_account: string | null;
  /** MERCHANT_BANK_CARD | USER_BANK_CARD once an ABNORMAL (CHANGE) refund was applied for. */
  abnormal_type: string | null;
}

export interface RefundCallRow {
  id: number;
  at: number;
  out_refund_no: string | null;
  refund_fee: number | null;
  result: string;
  protocol: Protocol;
}

export interface NotificationRow {
  id: number;
  kind: 'pay' | 'refund';
  ref: string;
  url: string;
  body: string;
  attempts: number;
  next_at: number;
  status: NotificationStatus;
  lease_until: number;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
  protocol: Protocol;
  key_mode: KeyMode | null;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS trades (
  out_trade_no TEXT PRIMARY KEY,
  appid TEXT NOT NULL,
  mch_id TEXT NOT NULL,
  body TEXT NOT NULL,
  attach TEXT,
  device_info TEXT,
  total_fee INTEGER NOT NULL,
  fee_type TEXT NOT NULL,
  trade_type TEXT NOT NULL,
  openid TEXT,
  notify_url TEXT NOT NULL,
  sign_type TEXT NOT NULL,
  time_expire_ms INTEGER,
  prepay_id TEXT NOT NULL,
  state TEXT NOT NULL,
  transaction_id TEXT UNIQUE,
  time_end TEXT,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  out_refund_no TEXT NOT NULL UNIQUE,
  refund_id TEXT NOT NULL UNIQUE,
  out_trade_no TEXT NOT NULL REFERENCES trades(out_trade_no),
  total_fee INTEGER NOT NULL,
  refund_fee INTEGER NOT NULL,
  status TEXT NOT NULL,
  source TEXT NOT NULL,
  refund_account TEXT NOT NULL,
  notify_url TEXT,
  settle_at INTEGER,
  success_time TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS refunds_by_trade ON refunds(out_trade_no, seq);
CREATE INDEX IF NOT EXISTS refunds_due ON refunds(status, settle_at);
CREATE TABLE IF NOT EXISTS refund_calls (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  out_refund_no TEXT,
  refund_fee INTEGER,
  result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refund_calls_by_at ON refund_calls(at);
CREATE INDEX IF NOT EXISTS refund_calls_by_no ON refund_calls(out_refund_no, id);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  lease_until INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  delivered_at INTEGER
);
CREATE INDEX IF NOT EXISTS notifications_due ON notifications(status, next_at);
`;

/**
 * Columns added since the first schema (APIv3): added to an older sandbox.db in place, with defaults that
 * describe its rows (everything before was v2), so a sandbox dir keeps its state across the upgrade.
 */
const ADDED_COLUMNS: ReadonlyArray<[table: string, column: string, declaration: string]> = [
  ['trades', 'protocol', "TEXT NOT NULL DEFAULT 'v2'"],
  ['trades', 'key_mode', 'TEXT'],
  ['refunds', 'protocol', "TEXT NOT NULL DEFAULT 'v2'"],
  ['refunds', 'key_mode', 'TEXT'],
  ['refunds', 'received_account', 'TEXT'],
  ['refunds', 'abnormal_type', 'TEXT'],
  ['refund_calls', 'protocol', "TEXT NOT NULL DEFAULT 'v2'"],
  ['notifications', 'protocol', "TEXT NOT NULL DEFAULT 'v2'"],
  ['notifications', 'key_mode', 'TEXT'],
];

export type NewTrade = Omit<TradeRow, 'state' | 'transaction_id' | 'time_end'>;
export type NewRefund = Omit<RefundRow, 'seq' | 'success_time' | 'received_account' | 'abnormal_type'>;

export class Store {
  readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode survives a killed process (only an OS crash could lose the last commits).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000'); // several sandbox processes may share one data dir
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    this.addColumns();
  }

  /** In one write transaction, so two processes opening an old database at once add each column once. */
  private addColumns(): void {
    this.tx(() => {
      for (const [table, column, declaration] of ADDED_COLUMNS) {
        const columns = this.db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
        if (!columns.some((c) => c.name === column)) this.db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${declaration}`);
      }
    });
  }

  close(): void {
    this.db.close();
  }

  /** Runs fn in a write transaction taken up front (BEGIN IMMEDIATE): check-then-write stays atomic across processes. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  // --- trades ---

  trade(outTradeNo: string): TradeRow | undefined {
    return this.db.prepare('SELECT * FROM trades WHERE out_trade_no = ?').get(outTradeNo) as TradeRow | undefined;
  }

  tradeByTransactionId(transactionId: string): TradeRow | undefined {
    return this.db.prepare('SELECT * FROM trades WHERE transaction_id = ?').get(transactionId) as TradeRow | undefined;
  }

  insertTrade(t: NewTrade): void {
    this.db
      .prepare(
        `INSERT INTO trades (out_trade_no, appid, mch_id, body, attach, device_info, total_fee, fee_type, trade_type, openid,
           notify_url, sign_type, time_expire_ms, prepay_id, state, created_at, protocol, key_mode)
         VALUES (@out_trade_no, @appid, @mch_id, @body, @attach, @device_info, @total_fee, @fee_type, @trade_type, @openid,
           @notify_url, @sign_type, @time_expire_ms, @prepay_id, 'NOTPAY', @created_at, @protocol, @key_mode)`,
      )
      .run(t);
  }

  /** NOTPAY → CLOSED; false when the trade was not NOTPAY. */
  closeTrade(outTradeNo: string): boolean {
    return this.db.prepare("UPDATE trades SET state = 'CLOSED' WHERE out_trade_no = ? AND state = 'NOTPAY'").run(outTradeNo).changes === 1;
  }

  /** NOTPAY → SUCCESS; false when the trade was not NOTPAY. */
  markPaid(outTradeNo: string, transactionId: string, timeEnd: string): boolean {
    return (
      this.db
        .prepare("UPDATE trades SET state = 'SUCCESS', transaction_id = ?, time_end = ? WHERE out_trade_no = ? AND state = 'NOTPAY'")
        .run(transactionId, timeEnd, outTradeNo).changes === 1
    );
  }

  // --- refunds ---

  refund(outRefundNo: string): RefundRow | undefined {
    return this.db.prepare('SELECT * FROM refunds WHERE out_refund_no = ?').get(outRefundNo) as RefundRow | undefined;
  }

  refundById(refundId: string): RefundRow | undefined {
    return this.db.prepare('SELECT * FROM refunds WHERE refund_id = ?').get(refundId) as RefundRow | undefined;
  }

  refundsOfTrade(outTradeNo: string): RefundRow[] {
    return this.db.prepare('SELECT * FROM refunds WHERE out_trade_no = ? ORDER BY seq').all(outTradeNo) as RefundRow[];
  }

  allRefunds(filter: { outTradeNo?: string; outRefundNo?: string }): RefundRow[] {
    return this.db
      .prepare(
        `SELECT * FROM refunds WHERE (@outTradeNo IS NULL OR out_trade_no = @outTradeNo)
           AND (@outRefundNo IS NULL OR out_refund_no = @outRefundNo) ORDER BY seq`,
      )
      .all({ outTradeNo: filter.outTradeNo ?? null, outRefundNo: filter.outRefundNo ?? null }) as RefundRow[];
  }

  insertRefund(r: NewRefund): void {
    this.db
      .prepare(
        `INSERT INTO refunds (out_refund_no, refund_id, out_trade_no, total_fee, refund_fee, status, source, refund_account,
           notify_url, settle_at, created_at, protocol, key_mode)
         VALUES (@out_refund_no, @refund_id, @out_trade_no, @total_fee, @refund_fee, @status, @source, @refund_account,
           @notify_url, @settle_at, @created_at, @protocol, @key_mode)`,
      )
      .run(r);
  }

  /**
   * A closed refund resubmitted with its original out_refund_no goes through again (WeChat: "请使用原商户退款单号").
   * It is made anew, so it takes the protocol, key mode and notify_url (if any) of the request that resubmitted it.
   */
  reopenRefund(outRefundNo: string, settleAt: number, via: Via, notifyUrl: string | null): boolean {
    return (
      this.db
        .prepare(
          `UPDATE refunds SET status = 'PROCESSING', settle_at = ?, success_time = NULL, protocol = ?, key_mode = ?,
             notify_url = COALESCE(?, notify_url) WHERE out_refund_no = ? AND status = 'REFUNDCLOSE'`,
        )
        .run(settleAt, via.protocol, via.keyMode, notifyUrl, outRefundNo).changes === 1
    );
  }

  /** An ABNORMAL (CHANGE) refund the merchant applied for: PROCESSING again, to settle to the account given. */
  applyAbnormalRefund(outRefundNo: string, abnormalType: string, receivedAccount: string, settleAt: number): boolean {
    return (
      this.db
        .prepare(
          `UPDATE refunds SET status = 'PROCESSING', settle_at = ?, abnormal_type = ?, received_account = ?
             WHERE out_refund_no = ? AND status = 'CHANGE'`,
        )
        .run(settleAt, abnormalType, receivedAccount, outRefundNo).changes === 1
    );
  }

  /** PROCESSING → a final status (compare-and-set); false when someone else settled it first. */
  settleRefund(outRefundNo: string, status: Exclude<WxRefundState, 'PROCESSING'>, successTime: string | null): boolean {
    return (
      this.db
        .prepare("UPDATE refunds SET status = ?, success_time = ?, settle_at = NULL WHERE out_refund_no = ? AND status = 'PROCESSING'")
        .run(status, successTime, outRefundNo).changes === 1
    );
  }

  dueRefunds(now: number, limit: number): string[] {
    return (
      this.db
        .prepare("SELECT out_refund_no FROM refunds WHERE status = 'PROCESSING' AND settle_at <= ? ORDER BY settle_at LIMIT ?")
        .all(now, limit) as { out_refund_no: string }[]
    ).map((r) => r.out_refund_no);
  }

  nextSettleAt(): number | null {
    const row = this.db.prepare("SELECT MIN(settle_at) AS at FROM refunds WHERE status = 'PROCESSING'").get() as { at: number | null };
    return row.at;
  }

  /**
   * The trade's most recent refund notify_url (of refunds made in `protocol`: a v2 URL takes XML, a v3 one JSON),
   * with that refund's key mode, for refunds made on the merchant platform.
   */
  lastRefundNotifyUrl(outTradeNo: string, protocol: Protocol = 'v2'): { url: string; keyMode: KeyMode | null } | null {
    const row = this.db
      .prepare(
        'SELECT notify_url, key_mode FROM refunds WHERE out_trade_no = ? AND protocol = ? AND notify_url IS NOT NULL ORDER BY seq DESC LIMIT 1',
      )
      .get(outTradeNo, protocol) as { notify_url: string; key_mode: KeyMode | null } | undefined;
    return row ? { url: row.notify_url, keyMode: row.key_mode } : null;
  }

  // --- refund calls ---

  recordCall(at: number, outRefundNo: string | null, refundFee: number | null, result: string, protocol: Protocol = 'v2'): number {
    return Number(
      this.db
        .prepare('INSERT INTO refund_calls (at, out_refund_no, refund_fee, result, protocol) VALUES (?, ?, ?, ?, ?)')
        .run(at, outRefundNo, refundFee, result, protocol).lastInsertRowid,
    );
  }

  setCallResult(id: number, result: string): void {
    this.db.prepare('UPDATE refund_calls SET result = ? WHERE id = ?').run(result, id);
  }

  /** Calls that reached the application (not refused at TLS) with `at` in (since, ∞). */
  callsSince(since: number): number {
    const row = this.db.prepare("SELECT COUNT(*) AS n FROM refund_calls WHERE at > ? AND result <> 'NO_CERT'").get(since) as { n: number };
    return row.n;
  }

  calls(): RefundCallRow[] {
    return this.db.prepare('SELECT * FROM refund_calls ORDER BY id').all() as RefundCallRow[];
  }

  callsFor(outRefundNo: string): RefundCallRow[] {
    return this.db.prepare('SELECT * FROM refund_calls WHERE out_refund_no = ? ORDER BY id').all(outRefundNo) as RefundCallRow[];
  }

  // --- notifications ---

  insertNotification(n: { kind: 'pay' | 'refund'; ref: string; url: string; body: string; nextAt: number; via: Via }): number {
    return Number(
      this.db
        .prepare(
          `INSERT INTO notifications (kind, ref, url, body, next_at, status, created_at, protocol, key_mode)
             VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?)`,
        )
        .run(n.kind, n.ref, n.url, n.body, n.nextAt, Date.now(), n.via.protocol, n.via.keyMode).lastInsertRowid,
    );
  }

  notification(id: number): NotificationRow | undefined {
    return this.db.prepare('SELECT * FROM notifications WHERE id = ?').get(id) as NotificationRow | undefined;
  }

  notifications(): NotificationRow[] {
    return this.db.prepare('SELECT * FROM notifications ORDER BY id').all() as NotificationRow[];
  }

  dueNotifications(now: number, limit: number): number[] {
    return (
      this.db
        .prepare("SELECT id FROM notifications WHERE status = 'PENDING' AND next_at <= ? AND lease_until <= ? ORDER BY next_at, id LIMIT ?")
        .all(now, now, limit) as { id: number }[]
    ).map((r) => r.id);
  }

  /** When the next pending notification can be tried: due and not leased by an attempt in flight. */
  nextNotificationAt(): number | null {
    const row = this.db
      .prepare("SELECT MIN(MAX(next_at, lease_until)) AS at FROM notifications WHERE status = 'PENDING'")
      .get() as { at: number | null };
    return row.at;
  }

  /** Takes a pending notification for one attempt (compare-and-set on the lease), so two loops never send it at once. */
  claimNotification(id: number, now: number, leaseMs: number): NotificationRow | undefined {
    const ok =
      this.db
        .prepare("UPDATE notifications SET lease_until = ? WHERE id = ? AND status = 'PENDING' AND lease_until <= ?")
        .run(now + leaseMs, id, now).changes === 1;
    return ok ? this.notification(id) : undefined;
  }

  releaseNotification(id: number): void {
    this.db.prepare('UPDATE notifications SET lease_until = 0 WHERE id = ?').run(id);
  }

  notificationDelivered(id: number, now: number): void {
    this.db
      .prepare("UPDATE notifications SET status = 'DELIVERED', attempts = attempts + 1, delivered_at = ?, lease_until = 0, last_error = NULL WHERE id = ?")
      .run(now, id);
  }

  notificationFailed(id: number, error: string, nextAt: number | null): void {
    this.db
      .prepare(
        `UPDATE notifications SET attempts = attempts + 1, last_error = ?, lease_until = 0,
           status = CASE WHEN ? IS NULL THEN 'GAVE_UP' ELSE 'PENDING' END, next_at = COALESCE(?, next_at) WHERE id = ?`,
      )
      .run(error.slice(0, 500), nextAt, nextAt, id);
  }
}
