// How CoovaChilli sends a browser to the portal: its `uamserver` URL with the UAM parameters
// percent-encoded in a fixed order and, when a UAM secret is set, `md` appended last as the
// upper-case hex MD5 of the URL so far followed by the secret (coova src/redir.c,
// redir_md_param). The simulated gateway builds its redirects with this, and tests use it to
// play a router.

import { createHash } from 'node:crypto';

/** coovaRedirectUrl returns `uamServer` with `params` as its query and, with a secret, `md`. */
export function coovaRedirectUrl(
  uamServer: string,
  params: ReadonlyArray<readonly [string, string]>,
  uamSecret?: string,
): string {
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  const url = `${uamServer}${uamServer.includes('?') ? '&' : '?'}${query}`;
  if (!uamSecret) return url;
  const md = createHash('md5').update(url).update(uamSecret).digest('hex').toUpperCase();
  return `${url}&md=${md}`;
}
