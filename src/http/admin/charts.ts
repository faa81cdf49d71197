// Server-rendered SVG charts for the reports and the dashboard home: no script, no external
// asset, a <title> and <desc> for screen readers, and axis labels; the page puts the numbers
// in a table next to each chart. Colours come from the dashboard's stylesheet variables.

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** BarDatum is one bar: its axis label and its value. */
export type BarDatum = { label: string; value: number };

/** niceMax returns a round axis maximum at or above `max` (1, 2 or 5 times a power of ten). */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/**
 * barChart returns an SVG bar chart: `title` names it, `yLabel` the values' unit, and
 * `format` writes a value for the axis and the bars' tooltips.
 */
export function barChart(opts: {
  id: string;
  title: string;
  yLabel: string;
  data: readonly BarDatum[];
  format?: (v: number) => string;
  width?: number;
  height?: number;
  small?: boolean;
}): string {
  const { id, data } = opts;
  const format = opts.format ?? ((v: number) => String(Math.round(v)));
  const width = opts.width ?? 720;
  const height = opts.height ?? 220;
  const left = opts.small ? 8 : 56;
  const bottom = opts.small ? 18 : 40;
  const top = 12;
  const right = 8;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const max = niceMax(Math.max(0, ...data.map((d) => d.value)));
  const step = plotW / Math.max(1, data.length);
  const barW = Math.max(1, step * 0.8);
  const total = data.reduce((a, d) => a + d.value, 0);
  const parts: string[] = [
    `<svg class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${id}-t ${id}-d" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${id}-t">${esc(opts.title)}</title>`,
    `<desc id="${id}-d">${esc(`${data.length} bars, total ${format(total)} ${opts.yLabel}, highest ${format(Math.max(0, ...data.map((d) => d.value)))}`)}</desc>`,
  ];
  if (!opts.small) {
    for (const f of [0, 0.5, 1]) {
      const y = top + plotH - f * plotH;
      parts.push(
        `<line class="grid" x1="${left}" x2="${width - right}" y1="${y}" y2="${y}"/>`,
        `<text class="axis" x="${left - 6}" y="${y + 4}" text-anchor="end">${esc(format(max * f))}</text>`,
      );
    }
    parts.push(
      `<text class="axis" x="12" y="${top + plotH / 2}" text-anchor="middle" transform="rotate(-90 12 ${top + plotH / 2})">${esc(opts.yLabel)}</text>`,
    );
  }
  const labelEvery = Math.max(1, Math.ceil(data.length / (opts.small ? 7 : 12)));
  data.forEach((d, i) => {
    const h = (d.value / max) * plotH;
    const x = left + i * step + (step - barW) / 2;
    parts.push(
      `<rect class="bar" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(`${d.label}: ${format(d.value)} ${opts.yLabel}`)}</title></rect>`,
    );
    if (i % labelEvery === 0 || (opts.small && i === data.length - 1)) {
      parts.push(
        `<text class="axis" x="${(left + i * step + step / 2).toFixed(1)}" y="${height - bottom + 14}" text-anchor="middle">${esc(d.label)}</text>`,
      );
    }
  });
  parts.push(
    `<line class="baseline" x1="${left}" x2="${width - right}" y1="${top + plotH}" y2="${top + plotH}"/>`,
    '</svg>',
  );
  return parts.join('');
}

/** WEEKDAYS are the heat map's rows, Monday first. */
export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;

/**
 * heatMap returns an SVG grid of weekday rows × 24 hour columns, each cell's shade
 * proportional to its value; `format` writes a value for the cells' tooltips.
 */
export function heatMap(opts: {
  id: string;
  title: string;
  values: readonly (readonly number[])[];
  format: (v: number) => string;
}): string {
  const cell = 26;
  const left = 40;
  const top = 8;
  const width = left + 24 * cell + 8;
  const height = top + 7 * cell + 28;
  const max = Math.max(0, ...opts.values.flat());
  const parts: string[] = [
    `<svg class="chart heat" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${opts.id}-t ${opts.id}-d" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="${opts.id}-t">${esc(opts.title)}</title>`,
    `<desc id="${opts.id}-d">Rows are weekdays Monday to Sunday, columns the hours 0 to 23; darker is busier.</desc>`,
  ];
  opts.values.forEach((row, d) => {
    parts.push(
      `<text class="axis" x="${left - 6}" y="${top + d * cell + cell / 2 + 4}" text-anchor="end">${WEEKDAYS[d] ?? ''}</text>`,
    );
    row.forEach((v, h) => {
      const shade = max > 0 ? 0.06 + 0.94 * (v / max) : 0.06;
      parts.push(
        `<rect class="cell" x="${left + h * cell}" y="${top + d * cell}" width="${cell - 2}" height="${cell - 2}" fill-opacity="${shade.toFixed(2)}"><title>${esc(`${WEEKDAYS[d] ?? ''} ${String(h).padStart(2, '0')}:00: ${opts.format(v)}`)}</title></rect>`,
      );
    });
  });
  for (let h = 0; h < 24; h += 3) {
    parts.push(
      `<text class="axis" x="${left + h * cell + cell / 2}" y="${top + 7 * cell + 16}" text-anchor="middle">${String(h).padStart(2, '0')}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('');
}
