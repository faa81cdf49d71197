// Who did what: created, printed, exported, edited, revoked or deleted tokens, and more.

import type { Db } from './database.js';

/** AuditEntry is one line of the audit log. */
export type AuditEntry = {
  id: number;
  at: number;
  actor: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown> | null;
};

type Row = Record<string, unknown>;

/** createAuditRepo returns the audit log repository over `db`. */
export function createAuditRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO audit_log (at, actor, action, target_type, target_id, details) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const page = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?');
  return {
    /** record appends an entry. */
    record(e: Omit<AuditEntry, 'id'>): void {
      insert.run(
        e.at,
        e.actor,
        e.action,
        e.targetType,
        e.targetId,
        e.details ? JSON.stringify(e.details) : null,
      );
    },
    /** list returns entries newest first. */
    list(limit: number, offset = 0): AuditEntry[] {
      return (page.all(limit, offset) as Row[]).map((r) => ({
        id: r.id as number,
        at: r.at as number,
        actor: r.actor as string,
        action: r.action as string,
        targetType: r.target_type as string | null,
        targetId: r.target_id as string | null,
        details: r.details ? (JSON.parse(r.details as string) as Record<string, unknown>) : null,
      }));
    },
  };
}

/** AuditRepo is the audit log repository's interface. */
export type AuditRepo = ReturnType<typeof createAuditRepo>;
