// The audit log as the HTTP layer and the CLI use it: record what someone did that no other
// use case records itself (an export, a print), and read the log back.

import { formatCode } from '../core/code.js';
import type { Clock } from '../clock.js';
import type { AuditEntry, AuditFilter } from '../storage/audit-repo.js';
import type { Store } from '../storage/store.js';

/** AUDIT_AREAS are the groups of actions the log can be filtered by, with their prefixes. */
export const AUDIT_AREAS = {
  tokens: { label: 'Tokens and batches', prefixes: ['token.', 'tokens.', 'batch.'] },
  sessions: { label: 'Sessions and devices', prefixes: ['session.', 'device.'] },
  bookings: { label: 'Bookings and visitors', prefixes: ['booking.', 'visitor.'] },
  settings: { label: 'Settings', prefixes: ['settings.'] },
  staff: { label: 'Staff accounts and sign-ins', prefixes: ['staff.'] },
  routers: { label: 'Routers', prefixes: ['nas.'] },
  access: { label: 'API keys and lockouts', prefixes: ['apikey.', 'lockout.'] },
  messages: { label: 'E-mail and webhooks', prefixes: ['email.', 'webhook.'] },
} as const satisfies Record<string, { label: string; prefixes: readonly string[] }>;

/** AuditArea is one of AUDIT_AREAS. */
export type AuditArea = keyof typeof AUDIT_AREAS;

// What each action means, as a staff member would say it.
const ACTION_WORDS: Record<string, string> = {
  'token.create': 'created a token',
  'tokens.bulk_create': 'created tokens as a batch',
  'token.update': 'changed a token',
  'token.revoke': 'revoked a token',
  'tokens.delete': 'deleted tokens',
  'batch.delete': 'deleted a batch',
  'tokens.export': 'exported tokens as CSV',
  'tokens.print': 'printed voucher cards',
  'token.email': 'e-mailed a code',
  'tokens.import': 'imported tokens from CSV',
  'session.disconnect': 'disconnected a device',
  'device.sign_out': 'signed a device out',
  'settings.update': 'changed the settings',
  'settings.bookings': 'changed the booking settings',
  'settings.email': 'changed the e-mail settings',
  'staff.add': 'added a staff account',
  'staff.password': 'set a new password',
  'staff.disable': 'disabled a staff account',
  'staff.enable': 'enabled a staff account',
  'staff.sign_in': 'signed in',
  'staff.sign_out_everywhere': 'signed out everywhere',
  'nas.add': 'added a router',
  'nas.update': 'changed a router',
  'nas.remove': 'removed a router',
  'lockout.clear': 'cleared a lockout',
  'email.retry': 'sent an e-mail again',
  'email.test': 'sent a test e-mail',
  'apikey.create': 'created an API key',
  'apikey.revoke': 'revoked an API key',
  'webhook.create': 'added a webhook',
  'webhook.delete': 'removed a webhook',
  'booking.create': 'created a booking',
  'booking.update': 'moved a booking',
  'booking.cancel': 'cancelled a booking',
  'visitor.create': 'registered a visitor',
  'visitor.update': 'changed a visitor',
  'visitor.cancel': 'cancelled a visitor',
};

/** AuditLine is an audit entry in plain words: who did what to what, and the details. */
export type AuditLine = AuditEntry & { what: string; on: string; detail: string };

const MAX_CODES_SHOWN = 10;

/** AuditTarget says what an entry is about. */
export type AuditTarget = {
  targetType?: string | null;
  targetId?: string | null;
  details?: Record<string, unknown> | null;
};

/** createAuditService returns the audit log use cases. */
export function createAuditService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;

  // Token ids become the codes staff know them by (a deleted token keeps its code).
  const codesOf = async (ids: string): Promise<string> => {
    const list = ids.split(',').filter((x) => /^\d+$/.test(x));
    const found: Array<string | undefined> = [];
    for (const id of list.slice(0, MAX_CODES_SHOWN))
      found.push((await store.tokens.findById(Number(id)))?.code);
    const codes = found.map((c, i) => (c ? formatCode(c) : `#${list[i]}`));
    const more = list.length - codes.length;
    return `${list.length === 1 ? 'token' : 'tokens'} ${codes.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
  };

  const targetOf = async (e: AuditEntry): Promise<string> => {
    const id = e.targetId;
    switch (e.targetType) {
      case null:
        return '';
      case 'token':
        return id ? codesOf(id) : 'tokens';
      case 'batch': {
        const b = id && /^\d+$/.test(id) ? await store.tokens.getBatch(Number(id)) : undefined;
        return b ? `batch "${b.name}"` : `batch #${id ?? ''}`;
      }
      case 'staff': {
        const name = typeof e.details?.username === 'string' ? e.details.username : undefined;
        const u = name ?? (await store.staff.findById(Number(id)))?.username;
        return u ? `account ${u}` : `account #${id ?? ''}`;
      }
      case 'nas': {
        const n = id && /^\d+$/.test(id) ? await store.nas.findById(Number(id)) : undefined;
        return n ? `router ${n.name}` : `router #${id ?? ''}`;
      }
      case 'settings':
        return '';
      default:
        return `${e.targetType.replace(/_/g, ' ')} ${id ?? ''}`.trim();
    }
  };

  // `spaceName` -> `space name`: details name settings and fields by their keys.
  const words = (key: string) => key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

  const detailOf = (e: AuditEntry): string => {
    if (!e.details) return '';
    return Object.entries(e.details)
      .filter(([k, v]) => v !== null && v !== undefined && k !== 'username')
      .map(
        ([k, v]) =>
          `${words(k)}: ${Array.isArray(v) ? v.map((x) => words(String(x))).join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
      )
      .join('; ');
  };

  const present = async (e: AuditEntry): Promise<AuditLine> => ({
    ...e,
    what: ACTION_WORDS[e.action] ?? e.action.replace(/[._]/g, ' '),
    on: await targetOf(e),
    detail: detailOf(e),
  });

  return {
    /** record appends an entry for `actor` doing `action` now. */
    async record(actor: string, action: string, target: AuditTarget = {}): Promise<void> {
      await store.audit.record({
        at: clock.now(),
        actor,
        action,
        targetType: target.targetType ?? null,
        targetId: target.targetId ?? null,
        details: target.details ?? null,
      });
    },
    /** list returns entries newest first, at most `limit` (1 to 500) from `offset`. */
    async list(limit = 100, offset = 0): Promise<AuditEntry[]> {
      return store.audit.list(Math.min(Math.max(limit, 1), 500), Math.max(offset, 0));
    },
    /**
     * search returns the entries by `actor`, in `area`, in [since, until), newest first and in
     * plain words; `limit` up to 100,000 (the CSV export).
     */
    async search(
      f: { actor?: string; area?: AuditArea; since?: number; until?: number },
      limit = 100,
      offset = 0,
    ): Promise<AuditLine[]> {
      const filter: AuditFilter = {
        actor: f.actor,
        actionPrefixes: f.area ? AUDIT_AREAS[f.area].prefixes : undefined,
        since: f.since,
        until: f.until,
      };
      const entries = await store.audit.search(
        filter,
        Math.min(Math.max(limit, 1), 100000),
        Math.max(offset, 0),
      );
      const lines: AuditLine[] = [];
      for (const e of entries) lines.push(await present(e));
      return lines;
    },
    /** actors returns everyone who appears in the log. */
    async actors(): Promise<string[]> {
      return store.audit.actors();
    },
  };
}

/** AuditService is the audit log use cases' interface. */
export type AuditService = ReturnType<typeof createAuditService>;
