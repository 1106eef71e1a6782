// Test-only crash points for the crash-safety tests. Inert unless NODE_ENV=test AND WXMALL_TEST_FAULTS
// names the point, so no production configuration can trigger one by accident.

let armed: Set<string> | null = null;

export function armTestFaults(spec: string | undefined): void {
  if (process.env.NODE_ENV !== 'test' || !spec) return;
  armed = new Set(spec.split(',').map((s) => s.trim()).filter(Boolean));
}

/** Kills this process on the spot (as a power cut would) when the test armed `point`. */
export function crashPoint(point: string): void {
  if (armed?.has(point)) process.kill(process.pid, 'SIGKILL');
}
