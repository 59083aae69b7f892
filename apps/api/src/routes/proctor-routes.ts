import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { roomNameSchema } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import { readBacklog } from '@sqlfleet/queue';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { opsTokenGuard } from '../ops-token.ts';
import { auditCsv } from '../proctor/audit-csv.ts';
import { tokenOf } from '../proctor/proctor-access.ts';
import type { ApiServices } from '../services.ts';
import { PROCTOR_PAGE, PROCTOR_SCRIPT } from './proctor-page.ts';

const require = createRequire(import.meta.url);
/** uPlot is bundled with the page from the project's own install: the machine may have no internet. */
const UPLOT_JS = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
const UPLOT_CSS = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');

const AUDIT_LIMIT_MAX = 100_000;

const roomOf = (request: FastifyRequest): string => {
  const room = (request.params as { room?: string }).room;
  const parsed = roomNameSchema.safeParse(room);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `Not a room name: ${String(room)}`);
  return parsed.data;
};

/** The proctor's view: tokens per room, the live dashboard, the backlog, and each room's audit trail. */
export function registerProctorRoutes(app: FastifyInstance, services: ApiServices): void {
  const { access, tokens, audit, reader } = services.proctor;
  const { redis, keys, drainQueues } = services;
  const tokenIn = (request: FastifyRequest) => tokenOf(request.headers.authorization, request.query);

  app.post('/api/rooms/:room/proctor-tokens', { preHandler: opsTokenGuard(access) }, async (request, reply) => {
    const room = roomOf(request);
    const made = await tokens.create(room);
    request.log.info({ room, expiresAt: made.expiresAt }, 'proctor token made');
    return reply.status(201).send({ room, ...made });
  });

  // The page itself is refused without a valid token, so a student's session id never opens it.
  app.get('/proctor', async (request, reply) => {
    await access.resolve(tokenIn(request));
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(PROCTOR_PAGE);
  });
  app.get('/proctor/dashboard.js', async (_request, reply) => reply.type('text/javascript').send(PROCTOR_SCRIPT));
  app.get('/proctor/uplot.js', async (_request, reply) => reply.type('text/javascript').send(UPLOT_JS));
  app.get('/proctor/uplot.css', async (_request, reply) => reply.type('text/css').send(UPLOT_CSS));

  app.get('/api/proctor/dashboard', async (request) => reader.read(await access.resolve(tokenIn(request))));

  app.get('/api/queue', async (request) => {
    const granted = await access.resolve(tokenIn(request));
    const [backlog, snapshot] = await Promise.all([readBacklog(redis, keys, drainQueues), reader.read(granted)]);
    // Each room's share of the fleet at a glance: queries waiting, running, and their wait over the last minute.
    const rooms = Object.fromEntries(
      Object.entries(snapshot.rooms).map(([room, view]) => [
        room,
        { waiting: view.waiting, running: view.running, waitMs: view.lastMinute.waitMs },
      ]),
    );
    if (granted.kind === 'ops') return { at: new Date().toISOString(), ...backlog, rooms };
    // A proctor sees only their rooms; the fleet's totals would tell about the others.
    const byRoom = Object.fromEntries(granted.rooms.map((room) => [room, backlog.byRoom[room] ?? 0]));
    return { at: new Date().toISOString(), byRoom, rooms };
  });

  app.get('/api/rooms/:room/audit', async (request, reply) => {
    const room = roomOf(request);
    await access.resolveRoom(tokenIn(request), room);
    const query = request.query as { format?: string; limit?: string; since?: string };
    const limit = query.limit === undefined ? 10_000 : Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_LIMIT_MAX) {
      throw new AppError('VALIDATION_FAILED', `limit must be an integer from 1 to ${AUDIT_LIMIT_MAX}`);
    }
    const sinceMs = query.since === undefined ? undefined : Date.parse(query.since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs))
      throw new AppError('VALIDATION_FAILED', 'since must be an ISO time');
    if (query.format !== undefined && query.format !== 'csv' && query.format !== 'json') {
      throw new AppError('VALIDATION_FAILED', 'format must be csv or json');
    }
    const entries = await audit.read(room, { limit, ...(sinceMs === undefined ? {} : { sinceMs }) });
    request.log.info({ room, entries: entries.length, format: query.format ?? 'json' }, 'audit exported');
    if (query.format === 'csv') {
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${room}.csv"`)
        .send(auditCsv(entries));
    }
    return entries;
  });
}
