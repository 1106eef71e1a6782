// One move in a refund's or an order's history, as the merchant's pages show it.

export function eventView(e: { at: Date; fromStatus: string | null; toStatus: string; action: string; actor: string; role: string | null; note: string | null }) {
  return { at: e.at.toISOString(), from: e.fromStatus, to: e.toStatus, action: e.action, actor: e.actor, role: e.role, note: e.note };
}
