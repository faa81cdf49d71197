// A UniFi Network controller's guest API, as an external portal uses it: log in with a staff
// account (a session cookie), then `POST /api/s/<site>/cmd/stamgr` with `authorize-guest`
// (MAC, minutes, optional AP and limits) or `unauthorize-guest`. A UniFi OS console (UDM,
// Cloud Key Gen2+, UniFi OS Server) logs in at `/api/auth/login` instead and serves the
// same API under `/proxy/network`, with an `X-CSRF-Token` to send back. An expired session
// answers 401; the client logs in again once and repeats the call. Knows nothing of tokens.

/** ControllerAccount is where a controller is and the staff account Portico uses on it. */
export type ControllerAccount = { url: string; site: string; username: string; password: string };

/** GuestGrant is what `authorize-guest` sends: minutes, and optional limits in kbit/s and MB. */
export type GuestGrant = {
  minutes: number;
  apMac?: string;
  upKbps?: number;
  downKbps?: number;
  megabytes?: number;
};

/**
 * ControllerResult is the controller's answer: done, refused with its message (`meta.msg`,
 * e.g. `api.err.Invalid`), or unreachable (network error, timeout, unexpected answer).
 */
export type ControllerResult =
  | { outcome: 'ok' }
  | { outcome: 'refused'; message: string; status: number }
  | { outcome: 'unreachable'; message: string };

/** ControllerClient is one controller account's guest calls. */
export type ControllerClient = {
  authorizeGuest(mac: string, grant: GuestGrant): Promise<ControllerResult>;
  unauthorizeGuest(mac: string): Promise<ControllerResult>;
};

/** ControllerFetch is the part of `fetch` the client uses; tests may pass their own. */
export type ControllerFetch = (url: string, init: RequestInit) => Promise<Response>;

type Session = { cookie: string; csrf: string | null; prefix: string };

const TIMEOUT_MS = 10_000;

// UniFi wants colon-separated lower-case MACs.
function controllerMac(mac: string): string {
  return mac
    .replace(/[^0-9a-fA-F]/g, '')
    .toLowerCase()
    .replace(/(..)(?!$)/g, '$1:');
}

function cookiesOf(res: Response): string {
  const raw =
    typeof res.headers.getSetCookie === 'function'
      ? res.headers.getSetCookie()
      : [res.headers.get('set-cookie') ?? ''];
  return raw
    .map((c) => c.split(';', 1)[0]?.trim() ?? '')
    .filter((c) => c.includes('='))
    .join('; ');
}

async function metaOf(res: Response): Promise<{ rc?: string; msg?: string }> {
  try {
    const body = (await res.json()) as { meta?: { rc?: string; msg?: string } };
    return body.meta ?? {};
  } catch {
    return {};
  }
}

/**
 * createControllerClient returns the guest calls for `account`; it logs in on first use and
 * again when the controller says the session expired (401). Never logs the password.
 */
export function createControllerClient(
  account: ControllerAccount,
  fetchImpl: ControllerFetch = (url, init) => fetch(url, init),
): ControllerClient {
  const base = account.url.replace(/\/+$/, '');
  let session: Session | undefined;

  const call = (path: string, init: RequestInit) =>
    fetchImpl(`${base}${path}`, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });

  const login = async (): Promise<Session | ControllerResult> => {
    const body = JSON.stringify({ username: account.username, password: account.password });
    const headers = { 'content-type': 'application/json' };
    let res = await call('/api/login', { method: 'POST', headers, body });
    let prefix = '';
    if (res.status === 404) {
      // UniFi OS: the Network application sits behind the console's own login.
      await res.body?.cancel();
      res = await call('/api/auth/login', { method: 'POST', headers, body });
      prefix = '/proxy/network';
    }
    if (!res.ok) {
      const meta = await metaOf(res);
      return { outcome: 'refused', status: res.status, message: meta.msg ?? `login ${res.status}` };
    }
    await res.body?.cancel();
    const cookie = cookiesOf(res);
    if (cookie === '')
      return { outcome: 'unreachable', message: 'the controller set no session cookie' };
    return { cookie, csrf: res.headers.get('x-csrf-token'), prefix };
  };

  const stamgr = async (command: Record<string, unknown>): Promise<ControllerResult> => {
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        if (!session) {
          const s = await login();
          if ('outcome' in s) return s;
          session = s;
        }
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          cookie: session.cookie,
          ...(session.csrf ? { 'x-csrf-token': session.csrf } : {}),
        };
        const res = await call(
          `${session.prefix}/api/s/${encodeURIComponent(account.site)}/cmd/stamgr`,
          { method: 'POST', headers, body: JSON.stringify(command) },
        );
        if (res.status === 401 && attempt === 0) {
          await res.body?.cancel();
          session = undefined;
          continue;
        }
        const meta = await metaOf(res);
        if (res.ok && meta.rc === 'ok') return { outcome: 'ok' };
        return {
          outcome: 'refused',
          status: res.status,
          message: meta.msg ?? `HTTP ${res.status}`,
        };
      }
      return { outcome: 'refused', status: 401, message: 'api.err.LoginRequired' };
    } catch (err) {
      session = undefined;
      return { outcome: 'unreachable', message: (err as Error).message };
    }
  };

  return {
    authorizeGuest(mac, grant) {
      return stamgr({
        cmd: 'authorize-guest',
        mac: controllerMac(mac),
        minutes: grant.minutes,
        ...(grant.apMac ? { ap_mac: controllerMac(grant.apMac) } : {}),
        ...(grant.upKbps ? { up: grant.upKbps } : {}),
        ...(grant.downKbps ? { down: grant.downKbps } : {}),
        ...(grant.megabytes ? { bytes: grant.megabytes } : {}),
      });
    },
    unauthorizeGuest(mac) {
      return stamgr({ cmd: 'unauthorize-guest', mac: controllerMac(mac) });
    },
  };
}
