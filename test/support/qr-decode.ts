// Reads back a QR code as Portico prints it: the SVG that `qrcode` writes (one stroked path of
// `M x y` / `m dx dy` moves and `h n` runs, each row at y + 0.5) is drawn into a bitmap, four
// pixels a module, and decoded by jsQR, a decoder independent of the encoder.

import jsQRModule from 'jsqr';

// jsqr is a CommonJS bundle whose function is also its `default`.
const jsQR = jsQRModule.default;

/** decodeQrSvg returns the text of the QR code in `svg`, or throws when none can be read. */
export function decodeQrSvg(svg: string): string {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
  const d = /<path stroke="[^"]+" d="([^"]+)"/.exec(svg)?.[1];
  if (!Number.isInteger(size) || d === undefined) throw new Error('not a qrcode SVG');
  const dark = Array.from({ length: size }, () => new Array<boolean>(size).fill(false));
  let x = 0;
  let y = 0;
  for (const [, op, a, b] of d.matchAll(/([MmHh])\s*(-?[\d.]+)(?:\s+(-?[\d.]+))?/g)) {
    const n = Number(a);
    if (op === 'M') [x, y] = [n, Number(b)];
    else if (op === 'm') [x, y] = [x + n, y + Number(b)];
    else {
      const to = op === 'h' ? x + n : n;
      for (let i = x; i < to; i++) (dark[Math.floor(y)] as boolean[])[i] = true;
      x = to;
    }
  }
  const scale = 4;
  const px = size * scale;
  const data = new Uint8ClampedArray(px * px * 4);
  for (let r = 0; r < px; r++)
    for (let c = 0; c < px; c++) {
      const v = dark[Math.floor(r / scale)]?.[Math.floor(c / scale)] ? 0 : 255;
      data.set([v, v, v, 255], (r * px + c) * 4);
    }
  const found = jsQR(data, px, px);
  if (found === null) throw new Error('no QR code found');
  return found.data;
}
