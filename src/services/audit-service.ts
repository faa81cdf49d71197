// The audit log as the HTTP layer and the CLI use it: record what someone did that no other
// use case records itself (an export, a print), and read the log back.

import type { Clock } from '../clock.js';
import type { AuditEntry } from '../storage/audit-repo.js';
import type { Store } from '../storage/store.js';

/** AuditTarget says what an entry is about. */
export type AuditTarget = {
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown> | null;
};

/** createAuditService returns the audit log use cases. */
export function createAuditService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  return {
    /** record appends an entry for `actor` doing `action` now. */
    record(actor: string, action: string, target: AuditTarget = {}): void {
      store.audit.record({
        at: clock.now(),
        actor,
        action,
        targetType: target.targetType ?? null,
        targetId: target.targetId ?? null,
        details: target.details ?? null,
      });
    },
    /** list returns entries newest first, at most `limit` (1 to 500) from `offset`. */
    list(limit = 100, offset = 0): AuditEntry[] {
      return store.audit.list(Math.min(Math.max(limit, 1), 500), Math.max(offset, 0));
    },
  };
}

/** AuditService is the audit log use cases' interface. */
export type AuditService = ReturnType<typeof createAuditService>;
