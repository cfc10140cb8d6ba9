// STUB with the interface agreed in COMMON.md, only so the runtime type-checks until the `managed` branch is merged.
import type { AccountRef } from '../core/accounts.ts';
import type { SourceFailure } from '../core/ports.ts';

export interface ManagedAccountsDirectory {
  discover(deadline: number): Promise<ManagedDiscovery>;
  requestCount(): number;
}
export interface ManagedDiscovery {
  accounts: Array<{ ref: AccountRef; getApiKey: (refresh: boolean) => Promise<string> }>;
  disabled: AccountRef[];
  unreachable: Array<{ ref: AccountRef; failure: SourceFailure }>;
  complete: boolean;
  failures: SourceFailure[];
  managerKeyRefused: boolean;
}
export function createManagedAccountsDirectory(_options: {
  baseURL: string;
  timeoutMs: number;
  getManagerKey: (refresh: boolean) => Promise<string>;
  fetch?: typeof fetch;
  clock?: () => number;
  sleep?: (ms: number) => Promise<void>;
}): ManagedAccountsDirectory {
  throw new Error('stub: merge the managed branch');
}
