// Voucher cards: what a printed token shows (the space, the code in large type, its minutes
// and validity) and a QR code that opens the splash page with the code filled in. The layout
// itself is a template staff can replace; this only gathers the data.

import QRCode from 'qrcode';
import { formatCode } from '../core/code.js';
import { formatMinutes, formatUntil, formatDateTime } from '../core/describe.js';
import { wifiQrPayload } from '../core/wifi-qr.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Store } from '../storage/store.js';
import type { TokenFilter } from '../storage/token-repo.js';
import type { SettingsService } from './settings-service.js';
import type { TokenService, TokenView } from './token-service.js';

/** MAX_CARDS_PER_SHEET is the most cards one print page holds; larger sets are paged. */
export const MAX_CARDS_PER_SHEET = 1000;

/** VoucherCard is everything a card template may show for one token. */
export type VoucherCard = {
  /** The canonical code, e.g. `7KQ4M2XD`. */
  code: string;
  /** The code grouped for reading, e.g. `7KQ4-M2XD`. */
  codeFormatted: string;
  /** The splash page link with the code filled in (what the QR code opens). */
  url: string;
  /** The QR code of `url` as an inline SVG element. */
  qrSvg: string;
  spaceName: string;
  /** The space's logo as a data: URL, or null. */
  logo: string | null;
  minutes: number | null;
  /** `120 minutes online`, `2 hours online`, or `no minutes limit`. */
  minutesText: string;
  /** `Valid 3 Dec 09:00 – the end of 24 Dec`, or '' when always valid. */
  validityText: string;
  /** The plain sentence staff see, e.g. "works until 17:40 or 120 minutes online, …". */
  summary: string;
  description: string;
  batch: string | null;
  maxDevices: number;
  /** The Wi-Fi network name (Settings), or '' when none is set. */
  wifiName: string;
  /**
   * The sentence telling the guest what to do, the same on every layout: "Join the Wi-Fi
   * “Harbour Guest”, then enter the code or scan the QR code."
   */
  joinText: string;
  /** The `WIFI:` text of the join QR code, or null when cards carry none. */
  wifiQrText: string | null;
  /** The Wi-Fi join QR code as an inline SVG element, or null. */
  wifiQrSvg: string | null;
  /** The free note line from Settings, or ''. */
  note: string;
};

/** CardSpace is what every card of one print shares: the space, its Wi-Fi and the note. */
type CardSpace = {
  name: string;
  logo: string | null;
  wifiName: string;
  joinText: string;
  wifiQrText: string | null;
  wifiQrSvg: string | null;
  note: string;
};

/** joinSentence returns the card's instruction, naming the network when it has a name. */
export function joinSentence(wifiName: string, withWifiQr: boolean): string {
  const join = wifiName === '' ? 'Join the Wi-Fi' : `Join the Wi-Fi “${wifiName}”`;
  return withWifiQr
    ? `${join} (or scan the Wi-Fi QR code), then enter the code or scan its QR code.`
    : `${join}, then enter the code or scan the QR code.`;
}

/** tokenLink returns the splash page link for `code` under `publicUrl`. */
export function tokenLink(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/t/${encodeURIComponent(code)}`;
}

/**
 * qrSvg returns the QR code of `text` as an SVG element (error correction M, quiet zone 2),
 * labelled `label` for screen readers.
 */
export async function qrSvg(text: string, label = 'QR code'): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return svg.replace('<svg ', `<svg role="img" aria-label="${label}" `);
}

/** createPrintService returns the voucher card use cases. */
export function createPrintService(deps: {
  store: Store;
  clock: Clock;
  config: Config;
  tokens: TokenService;
  settings: SettingsService;
  timeZone: () => string;
}) {
  const { store, clock, config, tokens, settings } = deps;

  const spaceOf = async (): Promise<CardSpace> => {
    const wifiName = settings.value('wifiName');
    const withQr = settings.value('showWifiQr') && wifiName !== '';
    const wifiQrText = withQr
      ? wifiQrPayload({
          ssid: wifiName,
          password: settings.value('wifiPassword'),
          hidden: settings.value('wifiHidden'),
        })
      : null;
    return {
      name: settings.value('spaceName'),
      logo: settings.value('logo'),
      wifiName,
      joinText: joinSentence(wifiName, withQr),
      wifiQrText,
      // One QR code for the whole print: every card shows the same network.
      wifiQrSvg: wifiQrText === null ? null : await qrSvg(wifiQrText, 'Wi-Fi QR code'),
      note: settings.value('cardNote'),
    };
  };

  const card = async (t: TokenView, space: CardSpace, now: number) => {
    const tz = deps.timeZone();
    const url = tokenLink(config.publicUrl, t.code);
    const from = t.validFrom === null ? null : formatDateTime(t.validFrom, tz, now);
    const until = t.validUntil === null ? null : formatUntil(t.validUntil, tz, now);
    const validityText =
      from && until
        ? `Valid ${from} – ${until}`
        : from
          ? `Valid from ${from}`
          : until
            ? `Valid until ${until}`
            : '';
    const c: VoucherCard = {
      code: t.code,
      codeFormatted: formatCode(t.code),
      url,
      qrSvg: await qrSvg(url),
      spaceName: space.name,
      logo: space.logo,
      minutes: t.minutes,
      minutesText: t.minutes === null ? 'no minutes limit' : `${formatMinutes(t.minutes)} online`,
      validityText,
      summary: t.summary,
      description: t.description,
      batch: t.batch,
      maxDevices: t.maxDevices,
      wifiName: space.wifiName,
      joinText: space.joinText,
      wifiQrText: space.wifiQrText,
      wifiQrSvg: space.wifiQrSvg,
      note: space.note,
    };
    return c;
  };

  return {
    /**
     * cards returns the voucher cards of the tokens matching `filter` in creation order, at
     * most MAX_CARDS_PER_SHEET from `offset`, and how many match in all.
     */
    async cards(filter: TokenFilter, offset = 0): Promise<{ cards: VoucherCard[]; total: number }> {
      const page = await tokens.list(filter, {
        sort: 'created',
        limit: MAX_CARDS_PER_SHEET,
        offset: Math.max(0, offset),
      });
      const now = clock.now();
      const space = await spaceOf();
      const cards: VoucherCard[] = [];
      for (const t of page.tokens) cards.push(await card(t, space, now));
      return { cards, total: page.total };
    },
    /** recordPrint notes in the audit log who printed which cards. */
    async recordPrint(actor: string, filter: TokenFilter, count: number): Promise<void> {
      await store.audit.record({
        at: clock.now(),
        actor,
        action: 'tokens.print',
        targetType: filter.batchId !== undefined ? 'batch' : 'token',
        targetId:
          filter.batchId !== undefined
            ? String(filter.batchId)
            : filter.ids
              ? filter.ids.slice(0, 50).join(',')
              : null,
        details: { count, filter: { ...filter, ids: filter.ids?.length } },
      });
    },
  };
}

/** PrintService is the voucher card use cases' interface. */
export type PrintService = ReturnType<typeof createPrintService>;
