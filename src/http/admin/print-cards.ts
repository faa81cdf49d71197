// Voucher cards rendered through a template staff can replace: `print-card.eta` in the folder
// of the database file (default ./data/print-card.eta) wins over views/admin/print/card.eta.
// The file is read on every print, so a change shows on the next print without a restart.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Eta } from 'eta';
import { VIEWS_DIR } from '../../paths.js';
import type { VoucherCard } from '../../services/print-service.js';

/** CARD_TEMPLATE_FILE is the name of the replacement card template in the data folder. */
export const CARD_TEMPLATE_FILE = 'print-card.eta';

const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true });

/** cardTemplatePath returns where a replacement card template is looked for, or null. */
export function cardTemplatePath(dbFile: string): string | null {
  return dbFile === ':memory:' ? null : join(dirname(dbFile), CARD_TEMPLATE_FILE);
}

/**
 * renderCards returns each card's HTML from the replacement template when there is one,
 * else from the built-in one. Every value is escaped unless the template uses `<%~`, which
 * the built-in one does only for the QR code's SVG.
 */
export function renderCards(cards: VoucherCard[], dbFile: string): string[] {
  const custom = cardTemplatePath(dbFile);
  if (custom !== null && existsSync(custom)) {
    const fn = eta.compile(readFileSync(custom, 'utf8'));
    return cards.map((c) => eta.render(fn, c));
  }
  return cards.map((c) => eta.render('/admin/print/card', c));
}
