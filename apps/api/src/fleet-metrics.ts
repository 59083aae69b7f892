import type { WorkerHeartbeats } from '@sqlfleet/queue';
import type { SessionStore } from '@sqlfleet/sandbox';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';

export interface FleetGaugeSources {
  redis: Redis;
  sessions: SessionStore;
  heartbeats: WorkerHeartbeats;
  /** Socket.IO clients connected to this replica (set once the gateway exists). */
  sockets: () => number;
  /** This replica's view of the container engine's circuit, when it has one. */
  health: () => Promise<Record<string, unknown>>;
}

/**
 * Fleet figures read at scrape time: Redis availability, live sessions, workers alive (from
 * their heartbeats), and this replica's connected sockets and container-engine circuit.
 * Fleet-wide ones are the same on every replica: alert and chart them with max(), not sum().
 */
export function registerFleetGauges(registry: Registry, sources: FleetGaugeSources): void {
  const { redis, sessions, heartbeats } = sources;
  const redisUp = async () =>
    redis.status === 'ready' &&
    (await redis.ping().then(
      () => true,
      () => false,
    ));
  new Gauge({
    name: 'sqlfleet_redis_up',
    help: '1 when this API replica can reach Redis',
    registers: [registry],
    async collect() {
      this.set((await redisUp()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sqlfleet_sessions_live',
    help: 'Sessions of the fleet with a live sandbox (read from Redis)',
    registers: [registry],
    async collect() {
      if (redis.status === 'ready') this.set(await sessions.count());
    },
  });
  new Gauge({
    name: 'sqlfleet_workers_alive',
    help: 'Workers whose heartbeat is recent (read from Redis)',
    registers: [registry],
    async collect() {
      if (redis.status === 'ready') this.set((await heartbeats.alive()).length);
    },
  });
  new Gauge({
    name: 'sqlfleet_workers_busy_queries',
    help: 'Queries the fleet runs now, from worker heartbeats',
    registers: [registry],
    async collect() {
      if (redis.status === 'ready') this.set((await heartbeats.alive()).reduce((sum, w) => sum + w.busy, 0));
    },
  });
  new Gauge({
    name: 'sqlfleet_socket_clients',
    help: 'Socket.IO clients connected to this API replica',
    registers: [registry],
    collect() {
      this.set(sources.sockets());
    },
  });
  new Gauge({
    name: 'sqlfleet_container_engine_circuit_open',
    help: '1 while the container engine circuit breaker is open (0.5 half-open, 0 closed)',
    registers: [registry],
    async collect() {
      const state = ((await sources.health()) as { containerEngine?: { state?: string } }).containerEngine?.state;
      this.set(state === 'open' ? 1 : state === 'half-open' ? 0.5 : 0);
    },
  });
}
