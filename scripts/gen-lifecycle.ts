// Ships the server's lifecycle tables to the UIs and the docs, so no UI keeps its own copy of the statuses.
//   npm run gen:lifecycle              writes into this repository
//   tsx scripts/gen-lifecycle.ts DIR   writes the same files under DIR (test/unit/lifecycle-generated.test.ts)
// Output is deterministic (no dates, table order kept): the test compares the committed files byte for byte.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { OPEN_STATUSES, REFUND_STATUSES, REFUND_TYPES, TERMINAL_STATUSES, TRANSITIONS, type RefundStatus, type Transition } from '../server/lifecycle/refunds.ts';
import { ORDER_STATUSES, isPaidStatus, paidOrderStatus } from '../server/lifecycle/orders.ts';
import { SHIPPING_MOVES, SHIPPING_STATUSES } from '../server/lifecycle/shipping.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The generated files, relative to the repository root. */
export const OUTPUTS = {
  adminWeb: 'admin-web/src/generated/lifecycle.ts',
  miniprogram: 'miniprogram/utils/lifecycle.generated.ts',
  miniprogramTypes: 'miniprogram/utils/lifecycle-types.generated.ts',
  docs: 'docs/lifecycle.md',
} as const;

const SOURCES = 'server/lifecycle/{refunds,orders,shipping}.ts';
const HEADER = `generated from ${SOURCES} by npm run gen:lifecycle; do not edit`;

// Statuses, actions and roles become code and Mermaid node names: refuse anything that is not a plain word.
function word(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) throw new Error(`gen-lifecycle: unexpected name in the lifecycle table: ${JSON.stringify(value)}`);
  return value;
}

const q = (value: string): string => `'${word(value)}'`;

function renderModule(): string {
  const transitions = TRANSITIONS.map(
    (t) => `  { from: ${t.from === null ? 'null' : q(t.from)}, action: ${q(t.action)}, to: ${q(t.to)}, by: ${q(t.by)}${t.type ? `, type: ${q(t.type)}` : ''} },`,
  );
  return [
    `// ${HEADER}.`,
    '// The refund and order lifecycles as the server runs them. Labels and colours stay in the UI (presentation);',
    "// which buttons a refund shows comes from its `actions` in the API answer, not from this table.",
    '',
    `export const REFUND_STATUSES = [${REFUND_STATUSES.map(q).join(', ')}] as const;`,
    'export type RefundStatus = (typeof REFUND_STATUSES)[number];',
    '',
    '/** A refund in one of these blocks another request on its order. */',
    `export const OPEN_STATUSES: readonly RefundStatus[] = [${OPEN_STATUSES.map(q).join(', ')}];`,
    '/** A refund never leaves these. */',
    `export const TERMINAL_STATUSES: readonly RefundStatus[] = [${TERMINAL_STATUSES.map(q).join(', ')}];`,
    '',
    '/** Every move: from × action → to, and who may take it; `from: null` is the birth of a refund. */',
    'export const TRANSITIONS = [',
    ...transitions,
    '] as const;',
    `export const REFUND_TYPES = [${REFUND_TYPES.map(q).join(', ')}] as const;`,
    'export type RefundType = (typeof REFUND_TYPES)[number];',
    '',
    'export type RefundTransition = (typeof TRANSITIONS)[number];',
    'export type RefundAction = RefundTransition[\'action\'];',
    'export type Role = RefundTransition[\'by\'];',
    '',
    'export const ORDER_STATUSES = [',
    ...ORDER_STATUSES.map((s) => `  ${q(s)},`),
    '] as const;',
    'export type OrderStatus = (typeof ORDER_STATUSES)[number];',
    '',
    `export const SHIPPING_STATUSES = [${SHIPPING_STATUSES.map(q).join(', ')}] as const;`,
    'export type ShippingStatus = (typeof SHIPPING_STATUSES)[number];',
    '',
    "/** An order's shipping moves: from × action → to, and who may take them. */",
    'export const SHIPPING_MOVES = [',
    ...SHIPPING_MOVES.map((m) => `  { from: ${q(m.from)}, action: ${q(m.action)}, to: ${q(m.to)}, by: ${q(m.by)} },`),
    '] as const;',
    "export type ShippingAction = (typeof SHIPPING_MOVES)[number]['action'];",
    '',
  ].join('\n');
}

// Node-side tests import miniprogram/api/types.ts under the root tsconfig (NodeNext, verbatimModuleSyntax), which
// rejects value exports from the CommonJS mini-program: so that file gets its statuses from a types-only module.
function renderMiniprogramTypes(): string {
  const union = (values: readonly string[]): string => values.map(q).join(' | ');
  return [
    `// ${HEADER}.`,
    "// The lifecycle's types without values, for miniprogram/api/types.ts (the tests' root tsconfig reads it and",
    '// rejects value exports from CommonJS files); the values are in ./lifecycle.generated.ts.',
    '',
    `export type RefundStatus = ${union(REFUND_STATUSES)};`,
    '',
    '/** Every move: from × action → to, and who may take it; `from: null` is the birth of a refund. */',
    'export type RefundTransition =',
    ...TRANSITIONS.map(
      (t, i) =>
        `  | { from: ${t.from === null ? 'null' : q(t.from)}; action: ${q(t.action)}; to: ${q(t.to)}; by: ${q(t.by)}${t.type ? `; type: ${q(t.type)}` : ''} }` +
        (i === TRANSITIONS.length - 1 ? ';' : ''),
    ),
    "export type RefundAction = RefundTransition['action'];",
    "export type Role = RefundTransition['by'];",
    `export type RefundType = ${union(REFUND_TYPES)};`,
    '',
    'export type OrderStatus =',
    ...ORDER_STATUSES.map((s, i) => `  | ${q(s)}${i === ORDER_STATUSES.length - 1 ? ';' : ''}`),
    '',
    `export type ShippingStatus = ${union(SHIPPING_STATUSES)};`,
    `export type ShippingAction = ${union([...new Set(SHIPPING_MOVES.map((m) => m.action))])};`,
    '',
  ].join('\n');
}

const INTRO = `A refund moves only along the rows of one table, \`TRANSITIONS\` in \`server/lifecycle/refunds.ts\`:
each row takes a refund from one status to the next by an action and names who may take it: the buyer, the
merchant (\`admin\`), the server's own dispatcher (\`system\`) or WeChat Pay (\`wechat\`, by what it answers
or notifies). The server refuses any move that is not a row. A refund's \`actions\` in the API answers are
the rows its viewer may take now (\`actionsFor\`), and they are the only source of the buttons in the admin
web and the mini-program.

This page, \`${OUTPUTS.adminWeb}\`, \`${OUTPUTS.miniprogram}\` and
\`${OUTPUTS.miniprogramTypes}\` are generated from that table. To change the lifecycle, edit the server
table, run \`npm run gen:lifecycle\`, give any new status a label in both UIs (their type checks fail until it has
one) and commit the regenerated files; \`test/unit/lifecycle-generated.test.ts\` fails while they are stale.`;

const BIRTH = '(new refund)';

function cell(t: Transition): string {
  return t.from ?? BIRTH;
}

function movesFrom(status: RefundStatus): Transition[] {
  return TRANSITIONS.filter((t) => t.from === status);
}

function renderDocs(): string {
  const open = new Set<RefundStatus>(OPEN_STATUSES);
  const lines: string[] = [
    `<!-- ${HEADER}. -->`,
    '',
    '# The refund lifecycle',
    '',
    INTRO,
    '',
    '## Diagram',
    '',
    'Each arrow is a move, labelled `action (who)`; `[*]` on the left is a new refund, on the right a terminal status.',
    '',
    '```mermaid',
    'stateDiagram-v2',
    ...TRANSITIONS.map((t) => `    ${t.from === null ? '[*]' : word(t.from)} --> ${word(t.to)}: ${word(t.action)} (${word(t.by)}${t.type ? `, ${word(t.type)}` : ''})`),
    ...TERMINAL_STATUSES.map((s) => `    ${word(s)} --> [*]`),
    '```',
    '',
    '## Every move',
    '',
    'In table order. `admin` is the merchant in the admin web, `buyer` the mini-program user, `system` the',
    "server's refund dispatcher, `wechat` what WeChat Pay answers or notifies.",
    '',
    '| From | Action | To | Who may take it | Only for |',
    '| --- | --- | --- | --- | --- |',
    ...TRANSITIONS.map((t) => `| ${cell(t)} | \`${t.action}\` | ${t.to} | ${t.by} | ${t.type ?? 'both types'} |`),
    '',
    '## Open and terminal statuses',
    '',
    'A refund in an open status blocks another refund request on its order and sets the order\'s status (below);',
    'a terminal status has no moves out of it.',
    '',
    `- Open: ${OPEN_STATUSES.join(', ')}`,
    `- Terminal: ${TERMINAL_STATUSES.join(', ')}`,
    '',
    '| Status | Kind | Moves out of it |',
    '| --- | --- | --- |',
    ...REFUND_STATUSES.map((s) => {
      const kind = open.has(s) ? 'open' : TERMINAL_STATUSES.includes(s) ? 'terminal' : 'neither';
      const moves = movesFrom(s).map((t) => `\`${t.action}\` → ${t.to} (${t.by})`);
      return `| ${s} | ${kind} | ${moves.length > 0 ? moves.join('; ') : '—'} |`;
    }),
    '',
    '## Order statuses',
    '',
    `In order: ${ORDER_STATUSES.join(', ')}.`,
    '',
    `${ORDER_STATUSES.filter((s) => !isPaidStatus(s)).join(' and ')} are an order before (or without) payment.`,
    "Once paid, the order's status follows its refunds (`paidOrderStatus` in `server/lifecycle/orders.ts`): while",
    'one of its refunds is open the order shows that refund\'s status, whatever was refunded before; otherwise it',
    'says how much of the order has been refunded.',
    '',
    '| The paid order has | Order status |',
    '| --- | --- |',
    // Read from the function itself, so this table cannot drift from the code.
    ...OPEN_STATUSES.map((s) => `| an open refund in ${s} | ${paidOrderStatus(100, 0, s)} |`),
    `| no open refund, nothing refunded | ${paidOrderStatus(100, 0, null)} |`,
    `| no open refund, part of the total refunded | ${paidOrderStatus(100, 40, null)} |`,
    `| no open refund, the whole total refunded | ${paidOrderStatus(100, 100, null)} |`,
    '',
    '## Shipping',
    '',
    "An order's shipping status (`shippingStatus`) moves along its own table, `SHIPPING_MOVES` in",
    '`server/lifecycle/shipping.ts`, through the same kind of door (`server/orders/moves.ts`: a compare-and-set',
    "and an event row). It is separate from `status`, which stays about money and refunds. Besides the table,",
    '`ship` needs a paid, not wholly refunded order with an address and no open refund',
    '(`server/orders/shipping-rules.ts`), and a ship queues the upload of the shipment to WeChat in the same',
    'transaction (the outbox). `auto_receive` is made by the server `ORDER_AUTO_RECEIVE_S` after shipping.',
    '',
    '```mermaid',
    'stateDiagram-v2',
    `    [*] --> ${word(SHIPPING_STATUSES[0])}`,
    ...SHIPPING_MOVES.map((m) => `    ${word(m.from)} --> ${word(m.to)}: ${word(m.action)} (${word(m.by)})`),
    '```',
    '',
    '| From | Action | To | Who may take it |',
    '| --- | --- | --- | --- |',
    ...SHIPPING_MOVES.map((m) => `| ${m.from} | \`${m.action}\` | ${m.to} | ${m.by} |`),
    '',
  ];
  return lines.join('\n');
}

/** Every generated file: path relative to the repository root → its exact content. */
export function renderLifecycle(): Record<string, string> {
  const module = renderModule();
  return {
    [OUTPUTS.adminWeb]: module,
    [OUTPUTS.miniprogram]: module,
    [OUTPUTS.miniprogramTypes]: renderMiniprogramTypes(),
    [OUTPUTS.docs]: renderDocs(),
  };
}

/** Writes the generated files under `root` (the repository by default) and returns their paths. */
export function writeLifecycle(root: string = REPO_ROOT): string[] {
  return Object.entries(renderLifecycle()).map(([rel, content]) => {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    return file;
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  for (const file of writeLifecycle(process.argv[2] ? path.resolve(process.argv[2]) : REPO_ROOT)) {
    console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
  }
}
