import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, isAppError, type Logger, RepeatFolder } from '@sqlfleet/core';
import type { Server } from 'socket.io';
import type { DashboardReader, DashboardSnapshot } from './dashboard-reader.ts';
import type { Access, AccessResolver } from './proctor-access.ts';
import { tokenOf } from './proctor-access.ts';
import type { SocketCensus } from './socket-census.ts';

export interface ProctorNamespaceOptions {
  io: Server;
  access: AccessResolver;
  reader: DashboardReader;
  census: SocketCensus;
  pushMs: number;
  logger: Logger;
}

/**
 * The dashboard's push channel: Socket.IO namespace `/proctor`. A socket connects with its
 * token (`auth: { token }`) and gets a `dashboard` snapshot of what that token may see every
 * `pushMs`. Each replica pushes to its own proctors, from figures read in Redis, so all
 * replicas show the same; the same tick writes this replica's student counts for the others.
 */
export function startProctorNamespace(options: ProctorNamespaceOptions): { stop: () => Promise<void> } {
  const { io, access, reader, census, pushMs, logger } = options;
  const namespace = io.of('/proctor');
  namespace.use((socket, next) => {
    const token = tokenOf(undefined, socket.handshake.auth) || tokenOf(undefined, socket.handshake.query);
    access
      .resolve(token)
      .then((granted) => {
        socket.data.access = granted;
        next();
      })
      .catch((error: unknown) => {
        const refusal = isAppError(error) ? error : new AppError('INTERNAL', 'Internal error', { cause: error });
        const err = new Error(refusal.message) as Error & { data: unknown };
        err.data = refusal.toJSON();
        next(err);
      });
  });
  namespace.on('connection', (socket) => {
    void push([socket.id]);
  });

  const push = async (only?: string[]) => {
    // Sockets that see the same rooms get the same snapshot, read once.
    const groups = new Map<string, { access: Access; ids: string[] }>();
    for (const [id, socket] of namespace.sockets) {
      if (only && !only.includes(id)) continue;
      const granted = socket.data.access as Access;
      const key = granted.kind === 'ops' ? 'ops' : [...granted.rooms].sort().join('\n');
      const group = groups.get(key) ?? { access: granted, ids: [] };
      group.ids.push(id);
      groups.set(key, group);
    }
    for (const { access: granted, ids } of groups.values()) {
      let snapshot: DashboardSnapshot;
      try {
        snapshot = await reader.read(granted);
      } catch (error) {
        RepeatFolder.of(logger).warn({ err: error }, 'dashboard read failed');
        continue;
      }
      // Local: with connection-state recovery an ordinary emit goes through the Redis adapter first,
      // and "Redis is down" must still reach the proctor. A missed snapshot needs no replay.
      namespace.local.to(ids).emit('dashboard', snapshot);
    }
  };

  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return; // a slow Redis must not pile ticks up
    const work = (async () => {
      const main = io.of('/');
      if (census.ready()) {
        await census.publish(main.adapter.rooms, main.sockets.size).catch((error: unknown) => {
          RepeatFolder.of(logger).warn({ err: error }, 'socket census failed');
        });
      }
      if (namespace.sockets.size > 0) await push();
    })();
    // A command sent just as Redis went away waits for its return: the next ticks must not,
    // so that proctors see "Redis down" (the reads check the connection before sending).
    running = Promise.race([work, sleep(Math.max(3_000, 3 * pushMs))]).finally(() => {
      running = undefined;
    });
  }, pushMs);
  return {
    async stop() {
      clearInterval(timer);
      await running;
      await census.leave().catch(() => undefined);
    },
  };
}
