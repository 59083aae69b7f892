import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError } from '@sqlfleet/core';
import type { Queue } from 'bullmq';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AccessResolver, tokenOf } from './proctor/proctor-access.ts';

export const QUEUE_BOARD_PATH = '/ops/queues';
const COOKIE = 'sqlfleet_ops';

/**
 * Job-level inspection with bull-board (a maintained queue UI) rather than one of our own,
 * behind the ops token. The UI's own API calls carry no header, so a valid `?token=` is
 * swapped for an HttpOnly cookie scoped to this path, and the URL loses the token.
 */
export function mountQueueBoard(app: FastifyInstance, queues: readonly Queue[], access: AccessResolver): void {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter,
    options: { uiConfig: { boardTitle: 'sqlfleet jobs' } },
  });
  void app.register(async (scope) => {
    scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
      const fromCookie = cookieOf(request.headers.cookie, COOKIE);
      const given = tokenOf(request.headers.authorization, request.query);
      if (given && access.isOps(given)) {
        if ((request.query as { token?: string }).token !== undefined) {
          const path = request.url.split('?')[0] ?? QUEUE_BOARD_PATH;
          reply.header(
            'set-cookie',
            `${COOKIE}=${encodeURIComponent(given)}; Path=${QUEUE_BOARD_PATH}; HttpOnly; SameSite=Strict`,
          );
          return reply.redirect(path, 303);
        }
        return;
      }
      if (!access.isOps(fromCookie ?? '')) throw new AppError('OPS_TOKEN_REQUIRED');
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: QUEUE_BOARD_PATH });
  });
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return decodeURIComponent(value.join('='));
  }
  return undefined;
}
