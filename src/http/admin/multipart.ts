// A small multipart/form-data reader for the one staff form that uploads a file (the token
// CSV import): text fields and file contents as strings, nothing written to disk.

/**
 * parseMultipart returns the parts of a multipart/form-data `body` by field name (a file
 * part's contents as UTF-8 text), or undefined when the body does not follow `contentType`'s
 * boundary.
 */
export function parseMultipart(
  body: Buffer,
  contentType: string,
): Record<string, string> | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  let pos = body.indexOf(delimiter);
  if (pos < 0) return undefined;
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return out;
    const headEnd = body.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) return undefined;
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    if (next < 0) return undefined;
    const head = body.subarray(pos, headEnd).toString('utf8');
    const name = /content-disposition:[^\r\n]*\bname="([^"]*)"/i.exec(head)?.[1];
    if (name !== undefined && !(name in out))
      out[name] = body.subarray(headEnd + 4, next).toString('utf8');
    pos = next + 2;
  }
}
