// What every sandbox handler is given: the merchant, the stores, the faults and the background workers.
import type { Faults } from './faults.ts';
import type { Notifier } from './notifier.ts';
import type { PlatformStore } from './platform-store.ts';
import type { Settler } from './settler.ts';
import type { Store } from './store.ts';
import type { SandboxLogger, SandboxMerchant } from './types.ts';
import type { V3Keys } from './v3-keys.ts';

export interface Ctx {
  merchant: SandboxMerchant;
  store: Store;
  /** The platform tables (tokens, shipping, subscribe messages) in the same database as `store`. */
  platform: PlatformStore;
  faults: Faults;
  notifier: Notifier;
  settler: Settler;
  /** WeChat Pay's APIv3 keys: checks request signatures, signs answers and notifications. */
  v3: V3Keys;
  log: SandboxLogger;
  settleDelayMs: number;
  /** Life of a stable access token, in seconds. */
  tokenTtlS: number;
  /** Aborted when the sandbox closes: handlers waiting on a fault's delay stop waiting. */
  closing: AbortSignal;
}
