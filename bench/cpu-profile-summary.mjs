// Summarises a V8 CPU profile (from radius-load.mjs --cpu-prof DIR) by where the time goes:
// SQL statements, transactions, Portico's rules, UDP, GC, promises, crypto, the RADIUS codec,
// the PostgreSQL driver's socket writes, and the rest by file; with the packet count, per packet.
// Usage: node bench/cpu-profile-summary.mjs FILE.cpuprofile [PACKETS]
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const dt = new Map();
for (let i = 0; i < p.samples.length; i++)
  dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const cat = (cf) => {
  const u = cf.url,
    f = cf.functionName;
  if (f === '(idle)') return 'idle';
  if (f === '(garbage collector)') return 'GC';
  if (f === '(program)') return 'V8/libuv (program)';
  if (/crypto|scrypt/.test(u) || /Hash|Hmac|digest|scrypt/.test(f))
    return /scrypt/.test(f) ? 'startup (scrypt, compile)' : 'crypto (MD5/HMAC)';
  if (/dgram|udp/.test(u) || f === 'doSend') return 'UDP send/receive';
  if (/async_hooks|task_queues/.test(u)) return 'promises/AsyncLocalStorage';
  if (/storage\/store\.js/.test(u)) return 'transaction (BEGIN/COMMIT/savepoints) and store gate';
  if (/storage\//.test(u)) return 'SQL statements (repositories)';
  if (/radius\//.test(u)) return 'RADIUS codec, server, duplicate cache';
  if (/services\//.test(u) || /core\//.test(u)) return 'Portico rules (services, core)';
  if (/pino|logger|log/.test(u)) return 'logging';
  if (f === 'writev' || f === 'writeBuffer' || /node_modules\/pg/.test(u))
    return 'PostgreSQL driver and its socket writes';
  if (/histogram|prom|metrics/.test(u)) return 'metrics';
  if (
    /loader|esm|bootstrap|realm|cjs/.test(u) ||
    /compile|openFileHandle|internalModuleStat|fstat|readFileUtf8/.test(f)
  )
    return 'startup (scrypt, compile)';
  return 'other: ' + (u.split('/').slice(-2).join('/') || f);
};
const agg = new Map();
for (const [id, t] of dt) {
  const k = cat(byId.get(id).callFrame);
  agg.set(k, (agg.get(k) ?? 0) + t);
}
const busy = [...agg]
  .filter(([k]) => k !== 'idle' && !k.startsWith('startup'))
  .reduce((a, [, t]) => a + t, 0);
const pk = Number(process.argv[3] ?? 0);
for (const [k, t] of [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25))
  console.log(
    (t / 1000).toFixed(0).padStart(6),
    'ms',
    k.startsWith('startup') || k === 'idle' ? '' : ((100 * t) / busy).toFixed(1) + ' %',
    pk ? (k.startsWith('startup') || k === 'idle' ? '' : (t / pk).toFixed(1) + ' µs/packet') : '',
    k,
  );
