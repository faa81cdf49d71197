// Settings > Bookings and Settings > E-mail: the token policy for bookings and visitors, the
// incoming-webhook secret, SMTP and the e-mail templates. Stored in the settings
// table under `bookings.*` and `email.*` keys; the SMTP password is never returned to a page.

import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { badInput, type FieldError } from '../errors.js';
import type { Store } from '../storage/store.js';
import {
  DEFAULT_BOOKING_TEMPLATE,
  DEFAULT_VISITOR_TEMPLATE,
  EMAIL_PLACEHOLDERS,
  unknownPlaceholders,
} from './email-template.js';

/** PER_OPTIONS say whether a count applies to the whole booking or to each attendee. */
export const PER_OPTIONS = ['booking', 'attendee'] as const;
export type Per = (typeof PER_OPTIONS)[number];

/** SMTP_TLS_MODES: 'tls' is TLS from the first byte (465), 'starttls' upgrades and insists, 'none' is plain. */
export const SMTP_TLS_MODES = ['starttls', 'tls', 'none'] as const;
export type SmtpTls = (typeof SMTP_TLS_MODES)[number];

/** BookingSettings are the token policy for bookings and visitors and how bookings arrive. */
export type BookingSettings = {
  enabled: boolean;
  graceBeforeMinutes: number;
  graceAfterMinutes: number;
  /** A fixed block of minutes; null means the window's length. */
  fixedMinutes: number | null;
  devices: number;
  devicesPer: Per;
  tokensPer: Per;
  /** Shared secret of the signed incoming webhook; null turns the endpoint off. */
  webhookSecret: string | null;
};

/** EmailSettings are the SMTP server, the sender and the templates. */
export type EmailSettings = {
  enabled: boolean;
  smtpHost: string | null;
  smtpPort: number;
  smtpTls: SmtpTls;
  smtpUser: string | null;
  smtpPassword: string | null;
  from: string;
  maxAttempts: number;
  bookingSubject: string;
  bookingHtml: string;
  visitorSubject: string;
  visitorHtml: string;
};

/** EmailSettingsView is what a page may show: whether a password is set, never the password. */
export type EmailSettingsView = Omit<EmailSettings, 'smtpPassword'> & { smtpPasswordSet: boolean };

/** BOOKING_DEFAULTS are the booking settings of a fresh install. */
export const BOOKING_DEFAULTS: BookingSettings = {
  enabled: true,
  graceBeforeMinutes: 15,
  graceAfterMinutes: 15,
  fixedMinutes: null,
  devices: 2,
  devicesPer: 'booking',
  tokensPer: 'booking',
  webhookSecret: null,
};

/** FEED_POLICY_FIELDS are the token-policy fields a calendar feed may set differently. */
export const FEED_POLICY_FIELDS = [
  'graceBeforeMinutes',
  'graceAfterMinutes',
  'devices',
  'devicesPer',
  'tokensPer',
] as const;

/** FeedPolicy is the part of the token policy a feed sets differently from the default. */
export type FeedPolicy = Partial<Pick<BookingSettings, (typeof FEED_POLICY_FIELDS)[number]>>;

/** EMAIL_DEFAULTS are the e-mail settings of a fresh install. */
export const EMAIL_DEFAULTS: EmailSettings = {
  enabled: true,
  smtpHost: null,
  smtpPort: 587,
  smtpTls: 'starttls',
  smtpUser: null,
  smtpPassword: null,
  from: 'wifi@localhost',
  maxAttempts: 10,
  bookingSubject: DEFAULT_BOOKING_TEMPLATE.subject,
  bookingHtml: DEFAULT_BOOKING_TEMPLATE.html,
  visitorSubject: DEFAULT_VISITOR_TEMPLATE.subject,
  visitorHtml: DEFAULT_VISITOR_TEMPLATE.html,
};

type Patch<T> = { [K in keyof T]?: unknown };

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

const bool = (v: unknown): boolean | undefined => {
  if (typeof v === 'boolean') return v;
  if (v === 'on' || v === 'true' || v === '1' || v === 1) return true;
  if (v === 'off' || v === 'false' || v === '0' || v === 0 || v === '') return false;
  return undefined;
};

/** parseEmailAddress returns a trimmed address when it looks like one, else undefined. */
export function parseEmailAddress(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const s = v.trim();
  return s.length <= 254 && /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$/.test(s)
    ? s
    : undefined;
}

/**
 * parseFromAddress returns a sender address when it looks like one; unlike a guest's address
 * it may be on a single-label host (`wifi@localhost`, the default, or an intranet relay).
 */
export function parseFromAddress(v: string): string | undefined {
  const s = v.trim();
  return s.length <= 254 && /^[^\s@<>()",;]+@[^\s@<>()",;.]+(\.[^\s@<>()",;.]+)*$/.test(s)
    ? s
    : undefined;
}

type Parsed<V> = { value: V } | { error: string };

/** Fields collects the validated fields of a patch and an error for each bad one. */
class Fields<T> {
  readonly errors: FieldError[] = [];
  readonly out: Partial<T> = {};
  constructor(private readonly patch: Patch<T>) {}

  private take<K extends keyof T>(key: K, parse: (v: unknown) => Parsed<T[K]>): void {
    if (this.patch[key] === undefined) return;
    const r = parse(this.patch[key]);
    if ('error' in r) this.errors.push({ field: String(key), message: r.error });
    else this.out[key] = r.value;
  }
  flag<K extends keyof T>(key: K): void {
    this.take(key, (v) => {
      const b = bool(v);
      return b === undefined ? { error: 'must be on or off' } : { value: b as T[K] };
    });
  }
  int<K extends keyof T>(key: K, min: number, max: number, nullable = false): void {
    this.take(key, (v) => {
      if (nullable && isBlank(v)) return { value: null as T[K] };
      const n = typeof v === 'number' ? v : Number(String(v).trim());
      return Number.isInteger(n) && n >= min && n <= max && !isBlank(v)
        ? { value: n as T[K] }
        : { error: `must be a whole number from ${min} to ${max}${nullable ? ', or blank' : ''}` };
    });
  }
  oneOf<K extends keyof T>(key: K, options: readonly string[]): void {
    this.take(key, (v) =>
      options.includes(String(v))
        ? { value: String(v) as T[K] }
        : { error: `must be one of ${options.join(', ')}` },
    );
  }
  text<K extends keyof T>(
    key: K,
    max: number,
    nullable: boolean,
    check?: { test: (s: string) => boolean; message: string },
  ): void {
    this.take(key, (v) => {
      if (isBlank(v)) return nullable ? { value: null as T[K] } : { error: 'must not be empty' };
      const s = String(v).replace(/\r\n/g, '\n').trim();
      if (s.length > max) return { error: `must be at most ${max} characters` };
      if (check && !check.test(s)) return { error: check.message };
      return { value: s as T[K] };
    });
  }
  template<K extends keyof T>(key: K, max: number): void {
    this.take(key, (v) => {
      const s = String(v ?? '')
        .replace(/\r\n/g, '\n')
        .trim();
      if (s === '') return { error: 'must not be empty' };
      if (s.length > max) return { error: `must be at most ${max} characters` };
      const unknown = unknownPlaceholders(s);
      if (unknown.length > 0)
        return {
          error: `unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}; use ${EMAIL_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
        };
      return { value: s as T[K] };
    });
  }
}

/** parseBookingSettings validates a patch; throws PORTICO_BAD_INPUT naming every bad field. */
export function parseBookingSettings(patch: Patch<BookingSettings>): Partial<BookingSettings> {
  const f = new Fields<BookingSettings>(patch);
  f.flag('enabled');
  f.int('graceBeforeMinutes', 0, 1440);
  f.int('graceAfterMinutes', 0, 1440);
  f.int('fixedMinutes', 1, 525_600, true);
  f.int('devices', 1, 1000);
  f.oneOf('devicesPer', PER_OPTIONS);
  f.oneOf('tokensPer', PER_OPTIONS);
  f.text('webhookSecret', 200, true, {
    test: (s) => s.length >= 16,
    message: 'must be 16 to 200 characters, or blank to turn the webhook off',
  });
  if (f.errors.length > 0) throw badInput(f.errors);
  return f.out;
}

/**
 * parseFeedPolicy validates a feed's token-policy overrides: a blank field means "as in
 * Settings > Bookings" and is left out. Throws PORTICO_BAD_INPUT naming every bad field.
 */
export function parseFeedPolicy(patch: Record<string, unknown>): FeedPolicy {
  const given: Record<string, unknown> = {};
  for (const k of FEED_POLICY_FIELDS) if (!isBlank(patch[k])) given[k] = patch[k];
  return parseBookingSettings(given) as FeedPolicy;
}

/** parseEmailSettings validates a patch; throws PORTICO_BAD_INPUT naming every bad field. */
export function parseEmailSettings(patch: Patch<EmailSettings>): Partial<EmailSettings> {
  const f = new Fields<EmailSettings>(patch);
  f.flag('enabled');
  f.text('smtpHost', 255, true, {
    test: (s) => /^[A-Za-z0-9.:_[\]-]+$/.test(s),
    message: 'must be a host name or IP address',
  });
  f.int('smtpPort', 1, 65535);
  f.oneOf('smtpTls', SMTP_TLS_MODES);
  f.text('smtpUser', 255, true);
  f.text('smtpPassword', 1000, true);
  f.text('from', 300, false, {
    test: (s) => parseFromAddress(s.replace(/^.*<([^>]+)>\s*$/, '$1')) !== undefined,
    message: 'must be an e-mail address, optionally as "Name <address>"',
  });
  f.int('maxAttempts', 1, 50);
  f.template('bookingSubject', 300);
  f.template('bookingHtml', 100_000);
  f.template('visitorSubject', 300);
  f.template('visitorHtml', 100_000);
  if (f.errors.length > 0) throw badInput(f.errors);
  return f.out;
}

/** createBookingSettings returns the reader and writer of the booking and e-mail settings. */
export function createBookingSettings(deps: { store: Store; clock: Clock }) {
  const { store, clock } = deps;
  const read = async <T extends object>(prefix: string, defaults: T): Promise<T> => {
    const out = { ...defaults };
    for (const key of Object.keys(defaults) as Array<keyof T>) {
      const v = await store.settings.get(`${prefix}.${String(key)}`);
      if (v !== undefined) out[key] = v as T[keyof T];
    }
    return out;
  };
  const write = async <T extends object>(prefix: string, values: Partial<T>, actor: string) => {
    const keys = Object.keys(values);
    if (keys.length === 0) return;
    await store.transaction(async (tx) => {
      for (const k of keys) await tx.settings.set(`${prefix}.${k}`, values[k as keyof T]);
      await tx.audit.record({
        at: clock.now(),
        actor,
        action: `settings.${prefix}`,
        targetType: 'settings',
        targetId: null,
        // Names only: values may be secrets.
        details: { changed: keys },
      });
    });
  };
  return {
    /** bookings returns the booking settings in force. */
    async bookings(): Promise<BookingSettings> {
      return read('bookings', BOOKING_DEFAULTS);
    },
    /** email returns the e-mail settings in force, password included (for the transport only). */
    async email(): Promise<EmailSettings> {
      return read('email', EMAIL_DEFAULTS);
    },
    /** emailView returns the e-mail settings for a page: the password only as set / not set. */
    async emailView(): Promise<EmailSettingsView> {
      const { smtpPassword, ...rest } = await read('email', EMAIL_DEFAULTS);
      return { ...rest, smtpPasswordSet: smtpPassword !== null };
    },
    /** updateBookings validates and stores a patch and returns the settings now in force. */
    async updateBookings(patch: Patch<BookingSettings>, actor: string): Promise<BookingSettings> {
      await write('bookings', parseBookingSettings(patch), actor);
      return this.bookings();
    },
    /**
     * updateEmail validates and stores a patch and returns the settings now in force; a blank
     * password in a form leaves the stored one alone unless `clearPassword` is set.
     */
    async updateEmail(
      patch: Patch<EmailSettings> & { clearPassword?: unknown },
      actor: string,
    ): Promise<EmailSettingsView> {
      const { clearPassword, ...rest } = patch;
      const values = parseEmailSettings(rest);
      if (values.smtpPassword === null && bool(clearPassword) !== true) delete values.smtpPassword;
      await write('email', values, actor);
      return this.emailView();
    },
    /** generateWebhookSecret stores a new random incoming-webhook secret and returns it. */
    async generateWebhookSecret(actor: string): Promise<string> {
      const secret = `whsec_${randomBytes(24).toString('base64url')}`;
      await write('bookings', { webhookSecret: secret }, actor);
      return secret;
    },
  };
}

/** BookingSettingsService is the booking and e-mail settings' interface. */
export type BookingSettingsService = ReturnType<typeof createBookingSettings>;
