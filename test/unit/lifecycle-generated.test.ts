// The UIs' copies of the lifecycle are generated from the server's table: the committed files must be exactly
// what the generator writes now, and every status in the table must have a label in both UIs.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OUTPUTS, REPO_ROOT, writeLifecycle } from '../../scripts/gen-lifecycle.ts';
import { ORDER_STATUSES } from '../../server/lifecycle/orders.ts';
import { REFUND_STATUSES } from '../../server/lifecycle/refunds.ts';

// The UI files are type-checked by their own tsconfigs (Bundler / CommonJS); imported by a computed path so the
// root tsconfig (NodeNext) does not follow them. Vite transpiles them as it does for the mini-program page tests.
type Table<T> = Record<string, T | undefined>;
const ui = (rel: string): Promise<unknown> => import(/* @vite-ignore */ path.join(REPO_ROOT, rel));
const { ORDER_STATUS_VIEW, QUEUE_TABS, REFUND_STATUS_VIEW } = (await ui('admin-web/src/utils/status.ts')) as {
  ORDER_STATUS_VIEW: Table<{ label: string }>;
  REFUND_STATUS_VIEW: Table<{ label: string }>;
  QUEUE_TABS: readonly string[];
};
const { MESSAGES } = (await ui('admin-web/src/i18n/messages.ts')) as { MESSAGES: Record<string, Table<string>> };
const { ORDER_STATUS, REFUND_STATUS } = (await ui('miniprogram/utils/status.ts')) as {
  ORDER_STATUS: Table<{ text: string }>;
  REFUND_STATUS: Table<{ text: string }>;
};

const tmp = mkdtempSync(path.join(tmpdir(), 'gen-lifecycle-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('generated lifecycle files', () => {
  const written = writeLifecycle(tmp);

  it('writes the three files under the given root', () => {
    expect(written.map((file) => path.relative(tmp, file)).sort()).toEqual(Object.values(OUTPUTS).map(path.normalize).sort());
  });

  it.each(Object.values(OUTPUTS))('%s is up to date', (rel) => {
    const fresh = readFileSync(path.join(tmp, rel), 'utf8');
    let committed: string | null = null;
    try {
      committed = readFileSync(path.join(REPO_ROOT, rel), 'utf8');
    } catch {
      // missing: reported below with the same hint
    }
    expect(committed, `${rel} is missing or stale: run npm run gen:lifecycle`).toBe(fresh);
  });
});

describe('every status in the server table has a label in both UIs', () => {
  it.each([...REFUND_STATUSES])('refund status %s', (status) => {
    const admin = REFUND_STATUS_VIEW[status];
    expect(admin, `admin-web/src/utils/status.ts REFUND_STATUS_VIEW lacks ${status}`).toBeDefined();
    for (const [locale, messages] of Object.entries(MESSAGES)) {
      expect(messages[admin!.label], `admin-web ${locale} message ${admin!.label}`).toBeTruthy();
    }
    const mp = REFUND_STATUS[status];
    expect(mp?.text, `miniprogram/utils/status.ts REFUND_STATUS lacks ${status}`).toBeTruthy();
  });

  it.each([...ORDER_STATUSES])('order status %s', (status) => {
    const admin = ORDER_STATUS_VIEW[status];
    expect(admin, `admin-web/src/utils/status.ts ORDER_STATUS_VIEW lacks ${status}`).toBeDefined();
    for (const [locale, messages] of Object.entries(MESSAGES)) {
      expect(messages[admin!.label], `admin-web ${locale} message ${admin!.label}`).toBeTruthy();
    }
    const mp = ORDER_STATUS[status];
    expect(mp?.text, `miniprogram/utils/status.ts ORDER_STATUS lacks ${status}`).toBeTruthy();
  });

  it('gives the admin queue one tab per refund status, plus "all"', () => {
    expect([...QUEUE_TABS].sort()).toEqual(['', ...REFUND_STATUSES].sort());
  });
});
