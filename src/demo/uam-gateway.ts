// A small simulated CoovaChilli gateway on loopback: enough router to walk through the whole
// guest journey on one machine, and the end-to-end test harness for the splash page.
//
// Each simulated device gets its own HTTP port (real gateways tell guests apart by their
// address; on loopback a port does that job). A device that is not online and asks for any
// page is redirected to the portal with CoovaChilli's UAM parameters and `md`; `/logon`
// takes the portal's hand-off, sends a real RADIUS Access-Request (CHAP-Challenge =
// MD5(challenge ‖ uamsecret), CHAP-Password = 0 ‖ response, as coova's redir.c does) and on
// Accept starts accounting: Start, Interim-Update on an interval, Stop on logoff, on
// Session-Timeout or when Portico sends a Disconnect-Request to the gateway's CoA port. A
// CoA-Request sets the session's parameters the way CoovaChilli's config_radius_session
// does: each one the CoA leaves out goes back to 0, so a CoA without Acct-Interim-Interval
// ends interim accounting and one without Session-Timeout lifts the time limit.

import { createHash, randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { coovaChapChallenge } from '../adapters/coova-adapter.js';
import { systemClock, type Clock } from '../clock.js';
import { getInteger, getOctets, getString, type AttributePair } from '../radius/attributes.js';
import { verifyMessageAuthenticator, verifyRequestAuthenticator } from '../radius/authenticator.js';
import { AcctStatusType, RadiusCode } from '../radius/codes.js';
import { decodePacket, encodeResponse, type RadiusPacket } from '../radius/packet.js';
import { coovaRedirectUrl } from './coova-redirect.js';
import { createRadiusClient, type RadiusClient } from './radius-client.js';

/** UamGatewayOptions configures the simulated gateway. */
export type UamGatewayOptions = {
  /** The portal's splash URL, CoovaChilli's `uamserver` (e.g. `http://127.0.0.1:8080/`). */
  portalUrl: string;
  radiusHost: string;
  authPort: number;
  acctPort: number;
  /** Shared secret with the RADIUS server. */
  secret: string;
  /** NAS-Identifier, sent as `nasid` too (coova's radiusnasid). */
  nasId: string;
  /** NAS-IP-Address; default 127.0.0.1. */
  nasIp?: string;
  uamSecret?: string;
  /** UDP port for Disconnect/CoA-Requests; 0 (default) picks a free one. */
  coaPort?: number;
  /** Seconds between Interim-Updates; default: the Acct-Interim-Interval Portico sends. */
  interimSeconds?: number;
  /**
   * Whether timers send Interim-Updates and end sessions at Session-Timeout (default true);
   * tests turn them off and call sendInterims() and tick() with a fixed clock instead.
   */
  autoTimers?: boolean;
  clock?: Clock;
  /** Gets one line per thing the gateway does (Accept, Start, Disconnect...). */
  log?: (line: string) => void;
};

/** SimDevice is one simulated guest device: its MAC, IP and the URL its browser opens. */
export type SimDevice = { name: string; mac: string; ip: string; url: string };

/** SimSession is what the gateway knows about a device that is online. */
export type SimSession = {
  device: string;
  username: string;
  acctSessionId: string;
  startedAt: number;
  sessionTimeout: number | null;
  /** 0 once a CoA left Acct-Interim-Interval out: no more Interim-Updates. */
  interimSeconds: number;
  interims: number;
  idleTimeout: number;
  /** WISPr-Bandwidth-Max-Up/Down in bit/s, 0 for none. */
  bandwidthMaxUp: number;
  bandwidthMaxDown: number;
  /** ChilliSpot-Max-Total-Octets, 0 for none. */
  maxTotalOctets: number;
};

/** UamGateway is a running simulated gateway. */
export type UamGateway = {
  /** The gateway's index page, listing the simulated devices. */
  url: string;
  coaPort: number;
  /** device returns the named device, creating it (and its HTTP port) on first use. */
  device(name: string): Promise<SimDevice>;
  /** sessions returns the devices online now. */
  sessions(): SimSession[];
  /**
   * sendInterims sends one Interim-Update per online device whose interval is not 0 and
   * resolves once answered.
   */
  sendInterims(): Promise<void>;
  /** tick ends the sessions whose Session-Timeout has passed at the clock's time. */
  tick(): Promise<void>;
  /** logoff ends a device's session as if the guest had logged off. */
  logoff(name: string): Promise<void>;
  close(): Promise<void>;
};

type Session = SimSession & {
  cls: Buffer | undefined;
  timer: NodeJS.Timeout | undefined;
};

type Device = SimDevice & {
  index: number;
  server: Server;
  port: number;
  challenge: string | undefined;
  session: Session | undefined;
};

const TERMINATE = { userRequest: 1, sessionTimeout: 5, adminReset: 6 } as const;

function deviceMac(name: string): string {
  const h = createHash('sha256').update(name).digest();
  // Locally administered unicast, like the private addresses phones use per network.
  const bytes = [0x02, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0, h[4] ?? 0];
  return bytes.map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join('-');
}

const html = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${title}</title><style>body{font:17px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem}a{color:#0a58b8}</style></head><body>${body}</body></html>`;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** startUamGateway starts the simulated gateway on 127.0.0.1 and returns its handle. */
export async function startUamGateway(opts: UamGatewayOptions): Promise<UamGateway> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? (() => undefined);
  const nasIp = opts.nasIp ?? '127.0.0.1';
  const called = '02-00-00-00-00-01';
  const autoTimers = opts.autoTimers ?? true;
  const devices = new Map<string, Device>();
  const creating = new Map<string, Promise<Device>>();
  let sessionCounter = 0;
  let closed = false;

  const radius: RadiusClient = await createRadiusClient({
    host: opts.radiusHost,
    secret: opts.secret,
  });

  const redirect = (res: ServerResponse, location: string) => {
    res.writeHead(302, { location, 'cache-control': 'no-store' });
    res.end();
  };

  const portalRedirect = (d: Device, result: string, extra: Array<[string, string]>) => {
    const params: Array<[string, string]> = [
      ['res', result],
      ['uamip', '127.0.0.1'],
      ['uamport', String(d.port)],
      ...(result === 'notyet' && d.challenge
        ? [['challenge', d.challenge] as [string, string]]
        : []),
      ['called', called],
      ['mac', d.mac],
      ['ip', d.ip],
      ['nasid', opts.nasId],
      ['sessionid', d.session?.acctSessionId ?? ''],
      ...extra,
    ];
    return coovaRedirectUrl(opts.portalUrl, params, opts.uamSecret);
  };

  // What identifies the NAS and the device in every request, as coova sends it.
  const deviceAttributes = (d: Device): AttributePair[] => [
    ['NAS-IP-Address', nasIp],
    ['NAS-Identifier', opts.nasId],
    ['NAS-Port', d.index],
    ['NAS-Port-Type', 19],
    ['Calling-Station-Id', d.mac],
    ['Called-Station-Id', called],
    ['Framed-IP-Address', d.ip],
  ];

  const accountingAttributes = (d: Device, s: Session): AttributePair[] => {
    const seconds = Math.max(0, Math.floor((clock.now() - s.startedAt) / 1000));
    return [
      ['User-Name', s.username],
      ['Acct-Session-Id', s.acctSessionId],
      ...deviceAttributes(d),
      ...(s.cls ? [['Class', s.cls] as AttributePair] : []),
      ['Acct-Session-Time', seconds],
      ['Acct-Input-Octets', seconds * 2_000],
      ['Acct-Output-Octets', seconds * 25_000],
      ['Acct-Input-Packets', seconds * 4],
      ['Acct-Output-Packets', seconds * 20],
      ['Event-Timestamp', Math.floor(clock.now() / 1000)],
    ];
  };

  const account = async (d: Device, s: Session, status: number, extra: AttributePair[] = []) => {
    const answer = await radius.request(opts.acctPort, RadiusCode.AccountingRequest, [
      ['Acct-Status-Type', status],
      ...accountingAttributes(d, s),
      ...extra,
    ]);
    const what = status === 1 ? 'Start' : status === 2 ? 'Stop' : 'Interim-Update';
    log(`${d.name}: Accounting ${what} ${answer ? 'answered' : 'NOT answered'}`);
    return answer !== undefined;
  };

  const stop = async (d: Device, cause: number) => {
    const s = d.session;
    if (!s) return;
    clearInterval(s.timer);
    d.session = undefined;
    await account(d, s, AcctStatusType.Stop, [['Acct-Terminate-Cause', cause]]);
  };

  const interim = async (d: Device) => {
    const s = d.session;
    if (!s || s.interimSeconds === 0) return;
    s.interims++;
    await account(d, s, AcctStatusType.InterimUpdate);
  };

  const expired = (s: Session) =>
    s.sessionTimeout !== null && clock.now() >= s.startedAt + s.sessionTimeout * 1000;

  const logon = async (d: Device, q: URLSearchParams, res: ServerResponse) => {
    const username = q.get('username') ?? '';
    const response = q.get('response');
    const password = q.get('password');
    const userurl = q.get('userurl') ?? '';
    const failed = (reason: string, reply?: string) =>
      redirect(
        res,
        portalRedirect(d, 'failed', [
          ['reason', reason],
          ['userurl', userurl],
          ...(reply ? [['reply', reply] as [string, string]] : []),
        ]),
      );
    if (d.session) {
      return redirect(
        res,
        portalRedirect(d, 'already', [
          ['uid', d.session.username],
          ['userurl', userurl],
        ]),
      );
    }
    if (!d.challenge || username === '' || (!response && !password)) return failed('other');
    const newchal = coovaChapChallenge(d.challenge, opts.uamSecret);
    d.challenge = undefined;
    let credentials: AttributePair[];
    if (response && /^[0-9a-f]{32}$/i.test(response)) {
      credentials = [
        ['CHAP-Password', Buffer.concat([Buffer.of(0), Buffer.from(response, 'hex')])],
        ['CHAP-Challenge', newchal],
      ];
    } else if (password && /^(?:[0-9a-f]{2})+$/i.test(password)) {
      const hidden = Buffer.from(password, 'hex');
      const plain = Buffer.from(hidden.map((b, i) => b ^ (newchal[i % newchal.length] ?? 0)));
      credentials = [['User-Password', plain]];
    } else {
      return failed('other');
    }
    const acctSessionId = `${Math.floor(clock.now() / 1000).toString(16)}${(++sessionCounter)
      .toString(16)
      .padStart(8, '0')}`;
    const answer = await radius.request(opts.authPort, RadiusCode.AccessRequest, [
      ['User-Name', username],
      ...credentials,
      ['Service-Type', 1],
      ...deviceAttributes(d),
      ['Acct-Session-Id', acctSessionId],
    ]);
    if (!answer) {
      log(`${d.name}: Access-Request NOT answered`);
      return failed('timeout');
    }
    if (answer.code !== RadiusCode.AccessAccept) {
      const reply = getString(answer, 'Reply-Message');
      log(`${d.name}: Access-Reject${reply ? ` (${reply})` : ''}`);
      return failed('reject', reply);
    }
    const session = acceptSession(d, username, acctSessionId, answer);
    log(
      `${d.name}: Access-Accept, Session-Timeout ${session.sessionTimeout ?? 'none'} s, interim every ${session.interimSeconds} s`,
    );
    await account(d, session, AcctStatusType.Start);
    const timeleft =
      session.sessionTimeout === null
        ? []
        : [['timeleft', String(session.sessionTimeout)] as [string, string]];
    redirect(
      res,
      portalRedirect(d, 'success', [['uid', username], ...timeleft, ['userurl', userurl]]),
    );
  };

  const acceptSession = (
    d: Device,
    username: string,
    acctSessionId: string,
    answer: RadiusPacket,
  ): Session => {
    const session: Session = {
      device: d.name,
      username,
      acctSessionId,
      startedAt: clock.now(),
      sessionTimeout: null,
      interimSeconds: 0,
      interims: 0,
      idleTimeout: 0,
      bandwidthMaxUp: 0,
      bandwidthMaxDown: 0,
      maxTotalOctets: 0,
      cls: getOctets(answer, 'Class'),
      timer: undefined,
    };
    configureSession(session, answer);
    d.session = session;
    startTimer(d, session);
    return session;
  };

  // As coova's config_radius_session(reconfig=0): what the packet does not carry is 0.
  const configureSession = (session: Session, p: RadiusPacket) => {
    const interim = getInteger(p, 'Acct-Interim-Interval');
    session.sessionTimeout = getInteger(p, 'Session-Timeout') || null;
    session.idleTimeout = getInteger(p, 'Idle-Timeout') ?? 0;
    session.interimSeconds =
      interim === undefined || interim < 60 ? 0 : (opts.interimSeconds ?? interim);
    session.bandwidthMaxUp = getInteger(p, 'WISPr-Bandwidth-Max-Up') ?? 0;
    session.bandwidthMaxDown = getInteger(p, 'WISPr-Bandwidth-Max-Down') ?? 0;
    session.maxTotalOctets = getInteger(p, 'ChilliSpot-Max-Total-Octets') ?? 0;
  };

  // Interim-Updates on the session's interval (none when it is 0) and the Session-Timeout
  // check, which runs every few seconds when there is no interval to ride on.
  const startTimer = (d: Device, session: Session) => {
    clearInterval(session.timer);
    session.timer = undefined;
    if (!autoTimers) return;
    const every = session.interimSeconds > 0 ? session.interimSeconds : 5;
    session.timer = setInterval(() => {
      if (d.session !== session) return;
      if (expired(session)) void stop(d, TERMINATE.sessionTimeout);
      else if (session.interimSeconds > 0) void interim(d);
    }, every * 1000);
    session.timer.unref();
  };

  const handle = async (d: Device, req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${d.port}`);
    if (url.pathname === '/logon') return logon(d, url.searchParams, res);
    if (url.pathname === '/logoff') {
      await stop(d, TERMINATE.userRequest);
      return redirect(res, portalRedirect(d, 'logoff', []));
    }
    if (url.pathname === '/json/status') {
      res.writeHead(200, { 'content-type': 'application/json' });
      const s = d.session;
      return res.end(JSON.stringify(s ? { online: true, ...publicSession(s) } : { online: false }));
    }
    if (d.session && !expired(d.session)) {
      const s = d.session;
      const minutes = Math.floor((clock.now() - s.startedAt) / 60_000);
      res.writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-store',
      });
      return res.end(
        html(
          'Online',
          `<h1>You are on the internet</h1><p>(simulated by the demo gateway: you asked for ${escapeHtml(url.pathname)})</p><p>Device ${escapeHtml(d.name)} (${d.mac}), online for ${minutes} min.</p><p><a href="/logoff">Log off</a></p>`,
        ),
      );
    }
    // Not online: captive. Any page the guest asks for sends them to the portal.
    d.challenge = randomBytes(16).toString('hex');
    redirect(res, portalRedirect(d, 'notyet', [['userurl', url.href]]));
  };

  const publicSession = (s: Session): SimSession => ({
    device: s.device,
    username: s.username,
    acctSessionId: s.acctSessionId,
    startedAt: s.startedAt,
    sessionTimeout: s.sessionTimeout,
    interimSeconds: s.interimSeconds,
    interims: s.interims,
    idleTimeout: s.idleTimeout,
    bandwidthMaxUp: s.bandwidthMaxUp,
    bandwidthMaxDown: s.bandwidthMaxDown,
    maxTotalOctets: s.maxTotalOctets,
  });

  const createDevice = async (name: string): Promise<Device> => {
    const index = devices.size + 1;
    const server = createServer();
    const d: Device = {
      name,
      index,
      mac: deviceMac(name),
      ip: `10.1.0.${10 + index}`,
      url: '',
      server,
      port: 0,
      challenge: undefined,
      session: undefined,
    };
    server.on('request', (req, res) => {
      handle(d, req, res).catch((err: unknown) => {
        log(`${d.name}: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    d.port = await listen(server);
    d.url = `http://127.0.0.1:${d.port}`;
    devices.set(name, d);
    return d;
  };

  const device = async (name: string): Promise<Device> => {
    if (closed) throw new Error('the gateway is closed');
    const known = devices.get(name);
    if (known) return known;
    let pending = creating.get(name);
    if (!pending) {
      pending = createDevice(name);
      creating.set(name, pending);
    }
    return pending;
  };

  // Disconnect and CoA from Portico: coova requires User-Name; Acct-Session-Id narrows it.
  const coa: Socket = createSocket('udp4');
  const secret = Buffer.from(opts.secret, 'utf8');
  coa.on('message', (datagram: Buffer, remote: RemoteInfo) => {
    void onCoa(datagram, remote);
  });
  const onCoa = async (datagram: Buffer, remote: RemoteInfo) => {
    const decoded = decodePacket(datagram);
    if (!decoded.ok) return;
    const p = decoded.packet;
    if (p.code !== RadiusCode.DisconnectRequest && p.code !== RadiusCode.CoaRequest) return;
    if (!verifyRequestAuthenticator(p, secret)) return log('CoA port: bad authenticator, dropped');
    if (p.messageAuthenticatorOffset >= 0 && !verifyMessageAuthenticator(p, secret)) return;
    const user = getString(p, 'User-Name');
    const sid = getString(p, 'Acct-Session-Id');
    const targets = [...devices.values()].filter(
      (d) =>
        d.session &&
        d.session.username === user &&
        (sid === undefined || d.session.acctSessionId === sid),
    );
    const isDisconnect = p.code === RadiusCode.DisconnectRequest;
    const code =
      targets.length === 0
        ? isDisconnect
          ? RadiusCode.DisconnectNak
          : RadiusCode.CoaNak
        : isDisconnect
          ? RadiusCode.DisconnectAck
          : RadiusCode.CoaAck;
    coa.send(
      encodeResponse({
        code,
        identifier: p.identifier,
        requestAuthenticator: p.authenticator,
        attributes: [],
        secret,
        messageAuthenticator: true,
      }),
      remote.port,
      remote.address,
    );
    for (const d of targets) {
      log(`${d.name}: ${isDisconnect ? 'Disconnect' : 'CoA'}-Request from Portico, acknowledged`);
      if (isDisconnect) await stop(d, TERMINATE.adminReset);
      else if (d.session) {
        configureSession(d.session, p);
        startTimer(d, d.session);
        log(
          `${d.name}: CoA applied, Session-Timeout ${d.session.sessionTimeout ?? 'none'} s, interim every ${d.session.interimSeconds || 'never'} s`,
        );
      }
    }
  };
  await new Promise<void>((resolve, reject) => {
    coa.once('error', reject);
    coa.bind(opts.coaPort ?? 0, '127.0.0.1', () => {
      coa.off('error', reject);
      resolve();
    });
  });

  const index = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/device\/([\w-]{1,32})$/.exec(url.pathname);
    if (m) {
      device(m[1] as string).then(
        (d) => redirect(res, `${d.url}/`),
        () => {
          res.writeHead(503);
          res.end();
        },
      );
      return;
    }
    const rows = [...devices.values()]
      .map(
        (d) =>
          `<li><a href="${d.url}/">${escapeHtml(d.name)}</a> ${d.mac} ${d.session ? `online as ${escapeHtml(d.session.username)}` : 'not online'}</li>`,
      )
      .join('');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      html(
        'Demo gateway',
        `<h1>Simulated Wi-Fi gateway</h1><p>Each device is a guest's phone or laptop. Open one to join the Wi-Fi: you will be sent to the Portico splash page.</p><ul>${rows}</ul><p>New device: <a href="/device/phone">phone</a>, <a href="/device/laptop">laptop</a>, <a href="/device/tablet">tablet</a>, or /device/&lt;name&gt;.</p>`,
      ),
    );
  });
  const indexPort = await listen(index);

  return {
    url: `http://127.0.0.1:${indexPort}`,
    coaPort: (coa.address() as AddressInfo).port,
    device: async (name) => {
      const d = await device(name);
      return { name: d.name, mac: d.mac, ip: d.ip, url: d.url };
    },
    sessions: () =>
      [...devices.values()].flatMap((d) => (d.session ? [publicSession(d.session)] : [])),
    async sendInterims() {
      await Promise.all([...devices.values()].map((d) => interim(d)));
    },
    async tick() {
      await Promise.all(
        [...devices.values()].map((d) =>
          d.session && expired(d.session) ? stop(d, TERMINATE.sessionTimeout) : Promise.resolve(),
        ),
      );
    },
    async logoff(name) {
      const d = devices.get(name);
      if (d) await stop(d, TERMINATE.userRequest);
    },
    async close() {
      closed = true;
      for (const d of devices.values()) clearInterval(d.session?.timer);
      await Promise.all([...devices.values()].map((d) => closeServer(d.server)));
      await closeServer(index);
      await new Promise<void>((resolve) => coa.close(() => resolve()));
      await radius.close();
    },
  };
}
