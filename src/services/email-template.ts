// Booking and visitor e-mail templates: staff write the body as HTML with `{placeholder}`s.
// The HTML part escapes every value; the text part is the template turned into plain text
// first and filled with the raw values after, so no value is ever read as markup.

/** EMAIL_PLACEHOLDERS are the placeholders a template may use. */
export const EMAIL_PLACEHOLDERS = [
  'accesscode',
  'accesscode_link',
  'guestname',
  'resource',
  'start',
  'end',
  'minutes',
  'validuntil',
  'spacename',
] as const;
export type EmailPlaceholder = (typeof EMAIL_PLACEHOLDERS)[number];

/** EmailValues are the values of every placeholder for one message. */
export type EmailValues = Record<EmailPlaceholder, string>;

/** EmailTemplate is what staff edit: a subject line and an HTML body. */
export type EmailTemplate = { subject: string; html: string };

/** RenderedEmail is a message ready to queue. */
export type RenderedEmail = { subject: string; html: string; text: string };

// `{word}` with no spaces inside: CSS such as `p { margin: 0 }` does not match.
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** DEFAULT_BOOKING_TEMPLATE is the booking confirmation a fresh install sends. */
export const DEFAULT_BOOKING_TEMPLATE: EmailTemplate = {
  subject: 'Your Wi-Fi access for {resource} at {spacename}',
  html: `<p>Hello {guestname},</p>
<p>your booking of <strong>{resource}</strong> from {start} to {end} comes with Wi-Fi.</p>
<p>Access code: <strong style="font-size:1.4em;letter-spacing:0.1em">{accesscode}</strong></p>
<p>Connect to the Wi-Fi and type the code, or open <a href="{accesscode_link}">{accesscode_link}</a>.</p>
<p>The code works until {validuntil} for up to {minutes} minutes online.</p>
<p>See you soon,<br>{spacename}</p>`,
};

/** DEFAULT_VISITOR_TEMPLATE is the visitor e-mail a fresh install sends. */
export const DEFAULT_VISITOR_TEMPLATE: EmailTemplate = {
  subject: 'Your Wi-Fi access at {spacename}',
  html: `<p>Hello {guestname},</p>
<p>welcome to {spacename}. Your Wi-Fi access code is
<strong style="font-size:1.4em;letter-spacing:0.1em">{accesscode}</strong>.</p>
<p>Connect to the Wi-Fi and type the code, or open <a href="{accesscode_link}">{accesscode_link}</a>.
It works from {start} until {validuntil}.</p>
<p>{spacename}</p>`,
};

/** unknownPlaceholders returns the placeholders `text` uses that are not known, once each. */
export function unknownPlaceholders(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = m[1] as string;
    if (!(EMAIL_PLACEHOLDERS as readonly string[]).includes(name)) out.add(name);
  }
  return [...out];
}

/** escapeHtml returns `s` safe to place in HTML text and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const fill = (text: string, values: EmailValues, encode: (s: string) => string): string =>
  text.replace(PLACEHOLDER, (whole, name: string) =>
    Object.hasOwn(values, name) ? encode(values[name as EmailPlaceholder]) : whole,
  );

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  apos: "'",
  nbsp: ' ',
};

/**
 * htmlToText returns a readable plain-text version of an e-mail body: paragraphs and line
 * breaks kept, links written as `text (url)` unless the text is the url, tags dropped.
 */
export function htmlToText(html: string): string {
  return html
    .replace(/<(style|script|head)[\s\S]*?<\/\1>/gi, '')
    .replace(/<a\s[^>]*href\s*=\s*["']([^"']*)["'][^>]*>([\s\S]*?)<\/a>/gi, (_m, href, inner) => {
      const label = String(inner).replace(/<[^>]*>/g, '');
      return label.trim() === String(href).trim() ? label : `${label} (${href})`;
    })
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr|table)>/gi, '\n\n')
    .replace(/<li[^>]*>/gi, '- ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_m, e: string) => ENTITIES[e] ?? '')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n[ \t]+/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * renderEmail returns the subject, HTML and text of `template` filled with `values`: escaped
 * in the HTML, raw in the text and subject (line breaks removed from the subject).
 */
export function renderEmail(template: EmailTemplate, values: EmailValues): RenderedEmail {
  const subject = fill(template.subject, values, (s) => s)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  const body = fill(template.html, values, escapeHtml);
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head><body>${body}</body></html>`;
  const text = fill(htmlToText(template.html), values, (s) => s);
  return { subject, html, text };
}

/** SAMPLE_VALUES fill the dashboard preview. */
export const SAMPLE_VALUES: EmailValues = {
  accesscode: '7KQ4-M2XD',
  accesscode_link: 'https://wifi.example.org/t/7KQ4M2XD',
  guestname: 'Ada Lovelace',
  resource: 'Meeting room Orion',
  start: 'Thu, 3 Dec 2026, 09:00',
  end: 'Thu, 3 Dec 2026, 11:00',
  minutes: '150',
  validuntil: 'Thu, 3 Dec 2026, 11:15',
  spacename: 'Portico Coworking',
};
