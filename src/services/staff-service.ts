// Staff accounts: the first admin on first start, more from the CLI and the dashboard.

import type { Clock } from '../clock.js';
import { badInput, ERROR_CODES, PorticoError } from '../errors.js';
import type { StaffRole, StaffUser } from '../storage/staff-repo.js';
import { STAFF_ROLES } from '../storage/staff-repo.js';
import type { Store } from '../storage/store.js';
import { isUniqueViolation } from '../storage/store.js';
import { generatePassword, hashPasswordSync, verifyPassword } from './passwords.js';

/** MIN_PASSWORD_LENGTH is the shortest staff password accepted. */
export const MIN_PASSWORD_LENGTH = 10;

/** createStaffService returns the staff account use cases. */
export function createStaffService(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  const validate = (username: string, password: string, role: string) => {
    const errors = [];
    if (!/^[A-Za-z0-9._@-]{2,64}$/.test(username)) {
      errors.push({ field: 'username', message: 'must be 2 to 64 letters, digits or . _ @ -' });
    }
    if (password.length < MIN_PASSWORD_LENGTH) {
      errors.push({
        field: 'password',
        message: `must be at least ${MIN_PASSWORD_LENGTH} characters`,
      });
    }
    if (!(STAFF_ROLES as readonly string[]).includes(role)) {
      errors.push({ field: 'role', message: `must be one of ${STAFF_ROLES.join(', ')}` });
    }
    if (errors.length > 0) throw badInput(errors);
  };
  return {
    /** add creates an account and returns its id; throws PORTICO_CONFLICT for a taken name. */
    async add(username: string, password: string, role: StaffRole, actor: string): Promise<number> {
      validate(username, password, role);
      const hash = hashPasswordSync(password);
      const now = clock.now();
      try {
        return await store.transaction(async (tx) => {
          const id = await tx.staff.insert(username, hash, role, now);
          await tx.audit.record({
            at: now,
            actor,
            action: 'staff.add',
            targetType: 'staff',
            targetId: String(id),
            details: { username, role },
          });
          return id;
        });
      } catch (err) {
        if (isUniqueViolation(err))
          throw new PorticoError(ERROR_CODES.CONFLICT, `username ${username} is taken`);
        throw err;
      }
    },
    /**
     * ensureFirstAdmin creates the first admin when there are no accounts yet and returns the
     * username and, when it generated one, the password to print once.
     */
    async ensureFirstAdmin(
      username: string,
      password: string | undefined,
    ): Promise<{ username: string; generatedPassword?: string } | null> {
      if ((await store.staff.count()) > 0) return null;
      const pw = password ?? generatePassword();
      try {
        await this.add(username, pw, 'admin', 'system');
      } catch (err) {
        // Two nodes starting together on one empty database: the other one created it first,
        // and this node starts as any later one does (the winner prints the password).
        if (err instanceof PorticoError && err.code === ERROR_CODES.CONFLICT) return null;
        throw err;
      }
      return password === undefined ? { username, generatedPassword: pw } : { username };
    },
    /** setPassword replaces an account's password. */
    async setPassword(username: string, password: string, actor: string): Promise<void> {
      const u = await store.staff.findByUsername(username);
      if (!u) throw new PorticoError(ERROR_CODES.NOT_FOUND, `no staff account ${username}`);
      validate(u.username, password, u.role);
      await store.transaction(async (tx) => {
        await tx.staff.setPasswordHash(u.id, hashPasswordSync(password));
        await tx.audit.record({
          at: clock.now(),
          actor,
          action: 'staff.password',
          targetType: 'staff',
          targetId: String(u.id),
          details: null,
        });
      });
    },
    /** authenticate resolves the account when the password is right and it is enabled, else null. */
    async authenticate(username: string, password: string): Promise<StaffUser | null> {
      const u = await store.staff.findByUsername(username);
      // Verify against a dummy hash when the user is unknown so timing does not reveal names.
      const ok = await verifyPassword(password, u?.passwordHash ?? DUMMY_HASH);
      return ok && u && u.disabledAt === null ? u : null;
    },
    /** setDisabled disables or re-enables an account by id; throws PORTICO_NOT_FOUND. */
    async setDisabled(id: number, disabled: boolean, actor: string): Promise<StaffUser> {
      const u = await store.staff.findById(id);
      if (!u) throw new PorticoError(ERROR_CODES.NOT_FOUND, `no staff account #${id}`);
      const now = clock.now();
      await store.transaction(async (tx) => {
        await tx.staff.setDisabled(id, disabled ? (u.disabledAt ?? now) : null);
        await tx.audit.record({
          at: now,
          actor,
          action: disabled ? 'staff.disable' : 'staff.enable',
          targetType: 'staff',
          targetId: String(id),
          details: { username: u.username },
        });
      });
      return (await store.staff.findById(id)) as StaffUser;
    },
    /** list returns every account. */
    async list(): Promise<StaffUser[]> {
      return store.staff.list();
    },
  };
}

const DUMMY_HASH = hashPasswordSync('portico-dummy-password');

/** StaffService is the staff account use cases' interface. */
export type StaffService = ReturnType<typeof createStaffService>;
