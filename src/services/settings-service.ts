// Settings staff change at run time: the space's name and logo, its time zone, the terms
// guests accept, the portal languages and the RADIUS defaults. Everyone reads them through
// `get()`, which merges what staff stored over the defaults from the configuration, so a
// setting nobody touched follows the configuration.

import { CODE_LENGTH_MAX, CODE_LENGTH_MIN } from '../core/code.js';
import { isValidTimeZone } from '../core/time.js';
import { wifiPasswordProblem } from '../core/wifi-qr.js';
import type { Clock } from '../clock.js';
import { isLanguage, LANGUAGES } from '../i18n/i18n.js';
import type { Config } from '../config.js';
import { badInput, type FieldError } from '../errors.js';
import type { Store } from '../storage/store.js';

/** Settings are the values staff can change on the Settings page. */
export type Settings = {
  /** Shown on the splash page, the dashboard and printed cards. */
  spaceName: string;
  /** A `data:image/...` URL (no external assets), or null for none. */
  logo: string | null;
  /** IANA zone dates are typed and shown in. */
  timeZone: string;
  /** The venue's Wi-Fi network name (SSID), told to guests who are not on it yet; blank: unnamed. */
  wifiName: string;
  /**
   * The Wi-Fi passphrase for the join QR code on printed cards; blank: an open network. Shown
   * only on the Settings page, never in the API's answers or the audit log.
   */
  wifiPassword: string;
  /** Whether the network does not broadcast its name (the QR code then says `H:true`). */
  wifiHidden: boolean;
  /** Whether printed cards carry the Wi-Fi join QR code beside the code's own. */
  showWifiQr: boolean;
  /** A free line printed on every card (opening hours, a help desk), blank for none. */
  cardNote: string;
  /** Terms of service guests accept on the splash page; blank means no checkbox. */
  termsText: string;
  /** Languages the splash page offers, the first being the default; every shipped one by default. */
  portalLanguages: string[];
  /** Acct-Interim-Interval sent to routers, seconds. */
  interimIntervalSeconds: number;
  /** Idle-Timeout sent to routers, seconds (0: none). */
  idleTimeoutSeconds: number;
  /** Characters in a newly generated code. */
  codeLength: number;
  /** Days closed sessions are kept (their usage stays in the per-day totals); 0: forever. */
  retainSessionsDays: number;
  /** Days audit log rows are kept; 0: forever. */
  retainAuditDays: number;
  /** Days sent e-mails and delivered webhook deliveries are kept; 0: forever. */
  retainOutboxDays: number;
  /** Days expired, revoked and deleted tokens are kept after they ended; 0: forever. */
  retainTokensDays: number;
};

/** RETENTION_KEYS lists the retention settings (days to keep; 0 keeps forever). */
export const RETENTION_KEYS = [
  'retainSessionsDays',
  'retainAuditDays',
  'retainOutboxDays',
  'retainTokensDays',
] as const satisfies ReadonlyArray<keyof Settings>;

/** MAX_RETENTION_DAYS is the longest retention a setting takes (ten years). */
export const MAX_RETENTION_DAYS = 3650;

/** SettingsPatch is a partial change as a form or API body carries it (strings are parsed). */
export type SettingsPatch = {
  [K in keyof Settings]?: Settings[K] | string | null;
};

/** SETTING_KEYS lists the settings in the order the Settings page shows them. */
export const SETTING_KEYS = [
  'spaceName',
  'logo',
  'timeZone',
  'wifiName',
  'wifiPassword',
  'wifiHidden',
  'showWifiQr',
  'cardNote',
  'termsText',
  'portalLanguages',
  'interimIntervalSeconds',
  'idleTimeoutSeconds',
  'codeLength',
  ...RETENTION_KEYS,
] as const satisfies ReadonlyArray<keyof Settings>;

/** MAX_LOGO_CHARS bounds the stored logo data URL (about 190 kB of image). */
export const MAX_LOGO_CHARS = 256_000;

const LOGO_URL = /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}$/;

/** defaultSettings returns the settings a fresh install has, taken from the configuration. */
export function defaultSettings(config: Config): Settings {
  return {
    spaceName: 'Portico',
    logo: null,
    timeZone: config.timeZone,
    wifiName: '',
    wifiPassword: '',
    wifiHidden: false,
    showWifiQr: false,
    cardNote: '',
    termsText: '',
    portalLanguages: [...LANGUAGES],
    interimIntervalSeconds: config.interimIntervalSeconds,
    idleTimeoutSeconds: config.idleTimeoutSeconds,
    codeLength: config.codeLength,
    retainSessionsDays: 365,
    retainAuditDays: 730,
    retainOutboxDays: 90,
    retainTokensDays: 365,
  };
}

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

// How a form or a script spells yes and no (an unticked checkbox sends '').
const BOOLEAN_TEXT: Record<string, boolean> = {
  true: true,
  '1': true,
  on: true,
  yes: true,
  false: false,
  '0': false,
  off: false,
  no: false,
  '': false,
};

/**
 * parseSettingsPatch returns the validated values of `patch` (only the keys it names) or throws
 * PORTICO_BAD_INPUT naming every field to fix.
 */
export function parseSettingsPatch(patch: SettingsPatch): Partial<Settings> {
  const errors: FieldError[] = [];
  const out: Partial<Settings> = {};
  const int = (key: keyof Settings, v: unknown, min: number, max: number) => {
    const n = typeof v === 'number' ? v : Number(String(v ?? '').trim());
    if (isBlank(v) || !Number.isInteger(n) || n < min || n > max) {
      errors.push({ field: key, message: `must be a whole number from ${min} to ${max}` });
      return undefined;
    }
    return n;
  };
  if (patch.spaceName !== undefined) {
    const name = String(patch.spaceName ?? '').trim();
    if (name.length < 1 || name.length > 100)
      errors.push({ field: 'spaceName', message: 'must be 1 to 100 characters' });
    else out.spaceName = name;
  }
  if (patch.logo !== undefined) {
    const logo = isBlank(patch.logo) ? null : String(patch.logo).trim();
    if (logo !== null && (logo.length > MAX_LOGO_CHARS || !LOGO_URL.test(logo)))
      errors.push({
        field: 'logo',
        message: `must be a base64 data:image URL (PNG, JPEG, GIF, WebP or SVG) of at most ${MAX_LOGO_CHARS} characters`,
      });
    else out.logo = logo;
  }
  if (patch.timeZone !== undefined) {
    const tz = String(patch.timeZone ?? '').trim();
    if (!isValidTimeZone(tz) || tz === '')
      errors.push({
        field: 'timeZone',
        message: 'must be an IANA time zone such as Europe/Berlin',
      });
    else out.timeZone = tz;
  }
  if (patch.wifiName !== undefined) {
    const name = String(patch.wifiName ?? '').trim();
    if (name.length > 32)
      errors.push({ field: 'wifiName', message: 'must be at most 32 characters (a Wi-Fi name)' });
    else out.wifiName = name;
  }
  if (patch.wifiPassword !== undefined) {
    // Not trimmed: a passphrase may begin or end with a space.
    const pw = String(patch.wifiPassword ?? '');
    const problem = wifiPasswordProblem(pw);
    if (problem !== null) errors.push({ field: 'wifiPassword', message: problem });
    else out.wifiPassword = pw;
  }
  for (const key of ['wifiHidden', 'showWifiQr'] as const) {
    if (patch[key] === undefined) continue;
    const v = patch[key];
    const b =
      typeof v === 'boolean'
        ? v
        : BOOLEAN_TEXT[
            String(v ?? '')
              .trim()
              .toLowerCase()
          ];
    if (b === undefined) errors.push({ field: key, message: 'must be true or false' });
    else out[key] = b;
  }
  if (patch.cardNote !== undefined) {
    const note = String(patch.cardNote ?? '')
      .replace(/\s+/g, ' ')
      .trim();
    if (note.length > 120)
      errors.push({ field: 'cardNote', message: 'must be at most 120 characters (one line)' });
    else out.cardNote = note;
  }
  if (patch.termsText !== undefined) {
    const terms = String(patch.termsText ?? '')
      .replace(/\r\n/g, '\n')
      .trim();
    if (terms.length > 20_000)
      errors.push({ field: 'termsText', message: 'must be at most 20000 characters' });
    else out.termsText = terms;
  }
  if (patch.portalLanguages !== undefined) {
    const raw = patch.portalLanguages;
    const list = (Array.isArray(raw) ? raw : String(raw ?? '').split(/[\s,]+/))
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== '');
    const unique = [...new Set(list)];
    if (unique.length === 0 || !unique.every((l) => isLanguage(l)))
      errors.push({
        field: 'portalLanguages',
        message: `must name at least one of the languages Portico ships (${LANGUAGES.join(', ')}), the default first`,
      });
    else out.portalLanguages = unique;
  }
  if (patch.interimIntervalSeconds !== undefined) {
    const n = int('interimIntervalSeconds', patch.interimIntervalSeconds, 60, 3600);
    if (n !== undefined) out.interimIntervalSeconds = n;
  }
  if (patch.idleTimeoutSeconds !== undefined) {
    const n = int('idleTimeoutSeconds', patch.idleTimeoutSeconds, 0, 86_400);
    if (n !== undefined) out.idleTimeoutSeconds = n;
  }
  if (patch.codeLength !== undefined) {
    const n = int('codeLength', patch.codeLength, CODE_LENGTH_MIN, CODE_LENGTH_MAX);
    if (n !== undefined) out.codeLength = n;
  }
  for (const key of RETENTION_KEYS) {
    if (patch[key] === undefined) continue;
    const n = int(key, patch[key], 0, MAX_RETENTION_DAYS);
    if (n !== undefined) out[key] = n;
  }
  if (errors.length > 0) throw badInput(errors);
  return out;
}

/**
 * settingsProblems returns what is wrong with `s` as a whole (rules across fields), for the
 * settings about to be in force after a change.
 */
function settingsProblems(s: Settings): FieldError[] {
  return s.showWifiQr && s.wifiName === ''
    ? [{ field: 'showWifiQr', message: 'needs the Wi-Fi network name: fill it in above' }]
    : [];
}

/** REFRESH_MS is how old the settings snapshot may get before `value` reloads it. */
export const REFRESH_MS = 1000;

/** createSettingsService returns the settings use cases over a store. */
export function createSettingsService(deps: { store: Store; clock: Clock; config: Config }) {
  const { store, clock } = deps;
  const defaults = defaultSettings(deps.config);
  // Settings are read on every page and every RADIUS batch, so `value` answers from a
  // snapshot; a snapshot older than REFRESH_MS is reloaded in the background, so a change
  // made by another process (the CLI, another node) takes effect within seconds.
  let snapshot: Settings = { ...defaults };
  let loadedAt = -Infinity;
  let loading: Promise<Settings> | null = null;
  const read = async (): Promise<Settings> => {
    const stored = await store.settings.all();
    const out: Settings = { ...defaults };
    for (const key of SETTING_KEYS) {
      if (stored[key] !== undefined) (out as Record<string, unknown>)[key] = stored[key];
    }
    return out;
  };
  const refresh = (): Promise<Settings> => {
    loading ??= read()
      .then((fresh) => {
        snapshot = fresh;
        loadedAt = performance.now();
        return fresh;
      })
      .finally(() => {
        loading = null;
      });
    return loading;
  };
  return {
    /**
     * value returns one setting (stored or default) from the snapshot, and starts a reload
     * when the snapshot is older than a second.
     */
    value<K extends keyof Settings>(key: K): Settings[K] {
      if (performance.now() - loadedAt > REFRESH_MS && loading === null) {
        refresh().catch(() => undefined);
      }
      return snapshot[key];
    },
    /** refresh reloads the snapshot `value` answers from and returns the settings. */
    refresh,
    /** get returns every setting: stored values merged over the defaults, read now. */
    async get(): Promise<Settings> {
      return refresh();
    },
    /**
     * update validates and stores the settings `patch` names, records who changed which keys,
     * and returns the settings now in force; throws PORTICO_BAD_INPUT and stores nothing when
     * any field is wrong.
     */
    async update(patch: SettingsPatch, actor: string): Promise<Settings> {
      const values = parseSettingsPatch(patch);
      const before = await this.get();
      const problems = settingsProblems({ ...before, ...values });
      if (problems.length > 0) throw badInput(problems);
      const changed = (Object.keys(values) as Array<keyof Settings>).filter(
        (k) => JSON.stringify(values[k]) !== JSON.stringify(before[k]),
      );
      if (changed.length > 0) {
        await store.transaction(async (tx) => {
          for (const k of changed) await tx.settings.set(k, values[k]);
          await tx.audit.record({
            at: clock.now(),
            actor,
            action: 'settings.update',
            targetType: 'settings',
            targetId: null,
            details: { changed },
          });
        });
      }
      // A reload that began before the commit may not see it: read again after it.
      await loading?.catch(() => undefined);
      return refresh();
    },
  };
}

/** SettingsService is the settings use cases' interface. */
export type SettingsService = ReturnType<typeof createSettingsService>;
