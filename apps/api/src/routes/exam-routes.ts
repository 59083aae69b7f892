import { roomNameSchema } from '@sqlfleet/contracts';
import { AppError } from '@sqlfleet/core';
import type { FastifyInstance } from 'fastify';
import { opsTokenGuard } from '../ops-token.ts';
import type { ApiServices } from '../services.ts';
import { validateExam } from '../validate-exam.ts';

/** Exams registered ahead by ops: POST builds their sandboxes in the background, GET shows the pool. */
export function registerExamRoutes(app: FastifyInstance, services: ApiServices): void {
  const { config, exams } = services;
  const opsOnly = { preHandler: opsTokenGuard(services.proctor.access) };
  const roomOf = (room: string): string => {
    if (!roomNameSchema.safeParse(room).success)
      throw new AppError('EXAM_NOT_FOUND', `No exam is registered for room ${room}`);
    return room;
  };

  app.post('/api/exams', opsOnly, async (request, reply) => {
    const exam = await exams.register(validateExam(request.body, config));
    return reply.status(201).send(exam);
  });

  app.get<{ Params: { room: string } }>('/api/exams/:room', opsOnly, async (request) =>
    exams.status(roomOf(request.params.room)),
  );

  app.delete<{ Params: { room: string } }>('/api/exams/:room', opsOnly, async (request, reply) => {
    await exams.remove(roomOf(request.params.room));
    return reply.status(204).send();
  });
}
