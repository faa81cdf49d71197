// CoovaChilli's redir_urlencode (src/redir.c), for tests that build redirects the way chilli
// does: A-Z a-z 0-9 - _ . ! ~ * stay, every other byte becomes %xx in lower-case hex.

/** chilliUrlencode returns `text` percent-encoded exactly as chilli's redir_urlencode does. */
export function chilliUrlencode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) =>
      /[A-Za-z0-9\-_.!~*]/.test(String.fromCharCode(b))
        ? String.fromCharCode(b)
        : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');
}
