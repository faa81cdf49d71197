/** hex returns the bytes of a hex dump written with any spacing, as in RFC examples. */
export function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}
