// The Wi-Fi join QR code: the `WIFI:` text that phone cameras (Android, iOS 11+) read as
// "join this network", in the form ZXing defined and everyone follows:
// `WIFI:T:WPA;S:<ssid>;P:<password>;H:true;;`, with `\ ; , : "` escaped by a backslash.

/** WifiNetwork is what a guest's phone needs to join the venue's Wi-Fi. */
export type WifiNetwork = {
  ssid: string;
  /** The WPA/WPA2/WPA3 passphrase; empty for an open network (`T:nopass`). */
  password: string;
  /** Whether the network does not broadcast its name (`H:true`). */
  hidden?: boolean;
};

/** escapeWifiField returns `s` with `\`, `;`, `,`, `:` and `"` escaped by a backslash. */
export function escapeWifiField(s: string): string {
  return s.replace(/[\\;,:"]/g, (c) => `\\${c}`);
}

/**
 * wifiQrPayload returns the `WIFI:` text for `net`: `T:WPA` with `P:` when it has a password,
 * `T:nopass` without one, `H:true` for a hidden network, ending in `;;`.
 */
export function wifiQrPayload(net: WifiNetwork): string {
  const parts = [
    net.password === '' ? 'T:nopass' : 'T:WPA',
    `S:${escapeWifiField(net.ssid)}`,
    ...(net.password === '' ? [] : [`P:${escapeWifiField(net.password)}`]),
    ...(net.hidden ? ['H:true'] : []),
  ];
  return `WIFI:${parts.join(';')};;`;
}

/**
 * wifiPasswordProblem returns why `password` cannot be a WPA passphrase (8 to 63 printable
 * ASCII characters, or 64 hex digits), or null when it can; empty means an open network.
 */
export function wifiPasswordProblem(password: string): string | null {
  if (password === '') return null;
  if (/^[0-9A-Fa-f]{64}$/.test(password)) return null;
  if (!/^[\x20-\x7e]*$/.test(password))
    return 'may hold only printable ASCII characters (letters, digits, punctuation, spaces)';
  if (password.length < 8 || password.length > 63)
    return 'must be 8 to 63 characters (a WPA passphrase), or blank for an open network';
  return null;
}
