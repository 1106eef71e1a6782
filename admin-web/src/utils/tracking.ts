// A tracking number as the ship endpoint takes it: trimmed, 1–64 of [0-9A-Za-z-]. Checked before sending so
// the merchant learns what is wrong while the number is still in front of them.

export const TRACKING_NO_MAX = 64;

export type TrackingProblem = 'required' | 'tooLong' | 'chars';
export type TrackingResult = { ok: true; value: string } | { ok: false; problem: TrackingProblem };

export function checkTrackingNo(input: string): TrackingResult {
  const value = input.trim();
  if (value === '') return { ok: false, problem: 'required' };
  if (value.length > TRACKING_NO_MAX) return { ok: false, problem: 'tooLong' };
  if (!/^[0-9A-Za-z-]+$/.test(value)) return { ok: false, problem: 'chars' };
  return { ok: true, value };
}
