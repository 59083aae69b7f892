/**
 * Container health check, dependency-free so it starts in ~50 ms:
 *   node infra/docker/healthcheck.mjs api    GET /api/health on HOST/PORT (200 only while Redis answers)
 *   node infra/docker/healthcheck.mjs redis  PING the REDIS_URL server (worker, reaper: no HTTP port)
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

function checkRedis() {
  const url = new URL(process.env.REDIS_URL || 'redis://127.0.0.1:6379');
  const secure = url.protocol === 'rediss:';
  const port = Number(url.port || 6379);
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  // RESP arrays, so passwords with spaces or quotes need no escaping.
  const command = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  const auth = password ? command('AUTH', ...(user ? [user, password] : [password])) : '';
  return new Promise((resolve) => {
    const socket = secure
      ? tls.connect({ host: url.hostname, port, servername: url.hostname })
      : net.connect({ host: url.hostname, port });
    let reply = '';
    socket.setTimeout(DEADLINE_MS, () => socket.destroy());
    socket.on(secure ? 'secureConnect' : 'connect', () => socket.write(auth + command('PING')));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('+PONG') || reply.startsWith('-')) socket.end();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(reply.includes('+PONG')));
  });
}

const checks = { api: checkApi, redis: checkRedis };
if (!(mode in checks)) {
  console.error(`healthcheck: unknown mode "${mode}" (api | redis)`);
  process.exit(2);
}
checks[mode]()
  .catch(() => false)
  .then((healthy) => process.exit(healthy ? 0 : 1));
