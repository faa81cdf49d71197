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

/** AuditFilter narrows the log: one actor, actions starting with any of `actionPrefixes`, a time window. */
export type AuditFilter = {
  actor?: string | undefined;
  actionPrefixes?: readonly string[] | undefined;
  since?: number | undefined;
  until?: number | undefined;
};

/** rowToAuditEntry returns the AuditEntry for an audit_log row (details parsed). */
export const rowToAuditEntry = (r: Row): AuditEntry => ({
  id: r.id as number,
  at: r.at as number,
  actor: r.actor as string,
  action: r.action as string,
  targetType: r.target_type as string | null,
  targetId: r.target_id as string | null,
  details: r.details ? (JSON.parse(r.details as string) as Record<string, unknown>) : null,
});

/** createAuditRepo returns the audit log repository over `db`. */
export function createAuditRepo(db: Db) {
  const insert = db.prepare(
    'INSERT INTO audit_log (at, actor, action, target_type, target_id, details) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const page = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?');
  // One statement for every combination of filters: a null parameter means "any".
  const where = `WHERE (@actor IS NULL OR actor = @actor)
    AND (@prefixes IS NULL OR EXISTS (SELECT 1 FROM json_each(@prefixes) p
         WHERE substr(audit_log.action, 1, length(p.value)) = p.value))
    AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at < @until)`;
  const search = db.prepare(
    `SELECT * FROM audit_log ${where} ORDER BY id DESC LIMIT @limit OFFSET @offset`,
  );
  const actors = db.prepare('SELECT DISTINCT actor FROM audit_log ORDER BY actor LIMIT 500');
  const params = (f: AuditFilter) => ({
    actor: f.actor ?? null,
    prefixes: f.actionPrefixes ? JSON.stringify(f.actionPrefixes) : null,
    since: f.since ?? null,
    until: f.until ?? null,
  });
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
      return (page.all(limit, offset) as Row[]).map(rowToAuditEntry);
    },
    /** search returns the entries matching `filter`, newest first. */
    search(filter: AuditFilter, limit: number, offset = 0): AuditEntry[] {
      return (search.all({ ...params(filter), limit, offset }) as Row[]).map(rowToAuditEntry);
    },
    /** actors returns everyone who appears in the log, for a filter. */
    actors(): string[] {
      return (actors.all() as Row[]).map((r) => r.actor as string);
    },
  };
}

/** AuditRepo is the audit log repository's interface. */
export type AuditRepo = ReturnType<typeof createAuditRepo>;
