import type { WorkerHeartbeats } from '@sqlfleet/queue';
import type { SessionStore } from '@sqlfleet/sandbox';
import type { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import type { DashboardSnapshot } from './proctor/dashboard-reader.ts';

export interface FleetGaugeSources {
  redis: Redis;
  sessions: SessionStore;
  heartbeats: WorkerHeartbeats;
  /** Socket.IO clients connected to this replica (set once the gateway exists). */
  sockets: () => number;
  /** This replica's view of the container engine's circuit, when it has one. */
  health: () => Promise<Record<string, unknown>>;
  /** The ops view of the dashboard, for the per-room gauges. */
  dashboard: () => Promise<DashboardSnapshot>;
}

/**
 * Fleet figures read at scrape time: Redis availability, live sessions, workers alive (from
 * their heartbeats), and this replica's connected sockets and container-engine circuit.
 * Fleet-wide ones are the same on every replica: alert and chart them with max(), not sum().
 */
export function registerFleetGauges(registry: Registry, sources: FleetGaugeSources): void {
  registerRoomGauges(registry, sources.dashboard);
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

/**
 * Per exam room, from the same Redis figures as the dashboard. A room label is bounded by the
 * rooms active in the last 15 minutes (sessions and jobs never become labels).
 */
function registerRoomGauges(registry: Registry, dashboard: () => Promise<DashboardSnapshot>): void {
  // One dashboard read per scrape serves every gauge below.
  let cached: { at: number; read: Promise<DashboardSnapshot> } | undefined;
  const rooms = async () => {
    if (!cached || Date.now() - cached.at > 1_000) cached = { at: Date.now(), read: dashboard() };
    return (await cached.read).rooms;
  };
  const perRoom = (name: string, help: string, value: (room: DashboardSnapshot['rooms'][string]) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['room'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [room, figures] of Object.entries(await rooms())) {
          const v = value(figures);
          if (v !== null) this.set({ room }, v);
        }
      },
    });
  perRoom('sqlfleet_room_students_connected', 'Students connected over Socket.IO, by exam room', (f) => f.students);
  perRoom('sqlfleet_room_queries_waiting', 'Queries waiting for a worker, by exam room', (f) => f.waiting);
  perRoom('sqlfleet_room_queries_running', 'Queries running now, by exam room', (f) => f.running);
  perRoom('sqlfleet_room_sessions_live', 'Sessions used within the session TTL, by exam room', (f) => f.sessions);
  perRoom('sqlfleet_room_wait_p95_seconds', 'Wait for a worker over the last minute (p95), by exam room', (f) =>
    f.lastMinute.waitMs.p95 === null ? null : f.lastMinute.waitMs.p95 / 1000,
  );
  new Gauge({
    name: 'sqlfleet_room_queries_last_minute',
    help: 'Queries finished or refused in the last minute, by exam room and outcome',
    labelNames: ['room', 'outcome'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [room, figures] of Object.entries(await rooms())) {
        for (const [outcome, count] of Object.entries(figures.lastMinute.outcomes)) this.set({ room, outcome }, count);
      }
    },
  });
}
