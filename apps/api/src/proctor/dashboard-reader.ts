import type { ExamStatus } from '@sqlfleet/contracts';
import type { DrainQueues, FleetKeys, RoomStats, ScopeFigures, WorkerHeartbeats } from '@sqlfleet/queue';
import { readBacklog } from '@sqlfleet/queue';
import type { SessionStore } from '@sqlfleet/sandbox';
import type { Redis } from 'ioredis';
import type { EngineProbe } from './engine-probe.ts';
import type { Access } from './proctor-access.ts';
import type { SocketCensus } from './socket-census.ts';

/** One room's (or the fleet's) figures as the dashboard shows them. */
export interface RoomView extends ScopeFigures {
  students: number;
  waiting: number;
  /** The room's registered exam: its pre-warmed sandboxes. */
  exam?: { students: number; target: number; ready: number; claimed: number; missed: number; building: number };
}

export interface Degradation {
  code: 'REDIS_DOWN' | 'ENGINE_SERVER_DOWN' | 'CONTAINER_ENGINE_CIRCUIT_OPEN' | 'NO_WORKER';
  message: string;
}

export interface DashboardSnapshot {
  at: string;
  degraded: Degradation[];
  workers: { alive: number; busy: number; capacity: number; list: { id: string; busy: number; concurrency: number }[] };
  /** Only for the ops token: the whole fleet. */
  fleet?: RoomView & { sandboxesLive: number };
  rooms: Record<string, RoomView>;
}

export interface DashboardReaderOptions {
  redis: Redis;
  keys: FleetKeys;
  drainQueues: DrainQueues;
  sessions: SessionStore;
  stats: RoomStats;
  census: SocketCensus;
  heartbeats: WorkerHeartbeats;
  probe: EngineProbe;
  /** The exam registered for a room, if any (its pre-warmed sandboxes). */
  exam: (room: string) => Promise<ExamStatus | undefined>;
  /** This replica's own view of the container engine's circuit. */
  localHealth: () => Promise<Record<string, unknown>>;
}

/**
 * Reads the dashboard from Redis alone, so every API replica computes the same figures
 * (nothing here comes from this process' memory but the engine probe's cache).
 */
export class DashboardReader {
  constructor(private readonly options: DashboardReaderOptions) {}

  async read(access: Access): Promise<DashboardSnapshot> {
    const at = new Date().toISOString();
    try {
      // A connection that is not ready would hold every command until Redis is back.
      if (this.options.redis.status !== 'ready') throw new Error('redis not ready');
      return await this.readFigures(access, at);
    } catch (error) {
      if (this.options.redis.status !== 'ready' || !(await this.redisUp())) {
        return {
          at,
          degraded: [{ code: 'REDIS_DOWN', message: 'Redis is not reachable: no query can be accepted or run' }],
          workers: { alive: 0, busy: 0, capacity: 0, list: [] },
          rooms: {},
        };
      }
      throw error;
    }
  }

  private async readFigures(access: Access, at: string): Promise<DashboardSnapshot> {
    const { redis, keys, drainQueues, sessions, stats, census, heartbeats } = this.options;
    const ops = access.kind === 'ops';
    const [backlog, workers, students, active] = await Promise.all([
      readBacklog(redis, keys, drainQueues),
      heartbeats.alive(),
      census.read(),
      ops ? stats.activeRooms() : Promise.resolve([]),
    ]);
    const rooms = ops ? [...new Set([...active, ...Object.keys(backlog.byRoom)])].sort() : [...access.rooms];
    const [figures, exams] = await Promise.all([
      stats.read(rooms, ops),
      Promise.all(rooms.map((room) => this.options.exam(room))),
    ]);
    const view = (room: string): RoomView => {
      const scope = figures.rooms[room] as ScopeFigures;
      const queued = backlog.byRoom[room] ?? 0;
      const view: RoomView = { ...scope, students: students[room] ?? 0, waiting: Math.max(0, queued - scope.running) };
      const exam = exams[rooms.indexOf(room)];
      if (exam) {
        const { students: expected, target, ready, claimed, missed, building } = exam;
        view.exam = { students: expected, target, ready, claimed, missed, building };
      }
      return view;
    };
    const busy = workers.reduce((sum, w) => sum + w.busy, 0);
    const snapshot: DashboardSnapshot = {
      at,
      degraded: await this.degradations(workers),
      workers: {
        alive: workers.length,
        busy,
        capacity: workers.reduce((sum, w) => sum + w.concurrency, 0),
        list: workers.map(({ id, busy: b, concurrency }) => ({ id, busy: b, concurrency })),
      },
      rooms: Object.fromEntries(rooms.map((room) => [room, view(room)])),
    };
    if (ops && figures.fleet) {
      const live = await sessions.count();
      snapshot.fleet = {
        ...figures.fleet,
        running: busy,
        sessions: live,
        sandboxesLive: live,
        students: students['*'] ?? 0,
        waiting: Math.max(0, backlog.queries - busy),
      };
    }
    return snapshot;
  }

  private async degradations(workers: { containerEngine?: string }[]): Promise<Degradation[]> {
    const found: Degradation[] = [];
    for (const engine of await this.options.probe.down()) {
      found.push({ code: 'ENGINE_SERVER_DOWN', message: `The ${engine} server is not accepting connections` });
    }
    const local = (await this.options.localHealth()) as { containerEngine?: { state?: string } };
    const circuitOpen = local.containerEngine?.state === 'open' || workers.some((w) => w.containerEngine === 'open');
    if (circuitOpen) {
      found.push({
        code: 'CONTAINER_ENGINE_CIRCUIT_OPEN',
        message: 'The container engine is failing: new sandboxes are refused until it recovers',
      });
    }
    if (workers.length === 0) found.push({ code: 'NO_WORKER', message: 'No worker is alive: queries wait' });
    return found;
  }

  private redisUp(): Promise<boolean> {
    return this.options.redis
      .ping()
      .then(() => true)
      .catch(() => false);
  }
}
