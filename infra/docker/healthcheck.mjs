/**
 * Container health check, dependency-free so it starts in ~50 ms:
 *   node infra/docker/healthcheck.mjs api    GET /api/health on HOST/PORT (200 only while Redis answers)
 *   node infra/docker/healthcheck.mjs redis  PING the REDIS_URL server, or with REDIS_SENTINELS the primary
 *                                            the sentinels name (worker, reaper: no HTTP port)
 * Exits 0 when healthy, 1 otherwise, within 3 s.
 */
import net from 'node:net';
import tls from 'node:tls';

const DEADLINE_MS = 3000;
const mode = process.argv[2] ?? 'api';

function checkApi() {
  const port = process.env.PORT || '3000';
  // The API listens on 0.0.0.0 in containers; loopback always reaches it from inside.
  return fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(DEADLINE_MS) }).then(
    (res) => res.ok,
  );
}

const startedAt = Date.now();
// RESP arrays, so passwords with spaces or quotes need no escaping.
const command = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
const auth = (user, password) => (password ? command('AUTH', ...(user ? [user, password] : [password])) : '');

/** Sends `request` and resolves with what came back once `complete(reply)` holds, the peer closed, or the deadline passed. */
function exchange({ host, port, secure }, request, complete) {
  return new Promise((resolve) => {
    const socket = secure ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
    let reply = '';
    socket.setTimeout(Math.max(1, DEADLINE_MS - (Date.now() - startedAt)), () => socket.destroy());
    socket.on(secure ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (complete(reply)) socket.end();
    });
    socket.on('error', () => resolve(''));
    socket.on('close', () => resolve(reply));
  });
}

/** With REDIS_SENTINELS: the primary the first sentinel that answers names (see docs/configuration.md). */
async function primaryFromSentinels() {
  const master = process.env.REDIS_SENTINEL_MASTER || 'mymaster';
  const request =
    auth('', process.env.REDIS_SENTINEL_PASSWORD) + command('SENTINEL', 'get-master-addr-by-name', master);
  const named = /\*2\r\n\$\d+\r\n([^\r]+)\r\n\$\d+\r\n(\d+)\r\n/;
  for (const entry of process.env.REDIS_SENTINELS.split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [, bracketed, plain, port = '26379'] = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(entry) ?? [];
    const sentinel = { host: bracketed ?? plain, port: Number(port), secure: false };
    const reply = await exchange(sentinel, request, (r) => named.test(r) || /(^|\n)-|\*-1/.test(r));
    const found = named.exec(reply);
    if (found)
      return { host: found[1], port: Number(found[2]), secure: false, user: '', password: process.env.REDIS_PASSWORD };
  }
  return undefined;
}

function fromUrl() {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  const password = process.env.REDIS_PASSWORD || decodeURIComponent(url.password);
  const secure = url.protocol === 'rediss:';
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    secure,
    user: decodeURIComponent(url.username),
    password,
  };
}

async function checkRedis() {
  const target = process.env.REDIS_SENTINELS ? await primaryFromSentinels() : fromUrl();
  if (!target) return false;
  const reply = await exchange(
    target,
    auth(target.user, target.password) + command('PING'),
    (r) => r.includes('+PONG') || r.startsWith('-'),
  );
  return reply.includes('+PONG');
}

const checks = { api: checkApi, redis: checkRedis };
if (!(mode in checks)) {
  console.error(`healthcheck: unknown mode "${mode}" (api | redis)`);
  process.exit(2);
}
checks[mode]()
  .catch(() => false)
  .then((healthy) => process.exit(healthy ? 0 : 1));
