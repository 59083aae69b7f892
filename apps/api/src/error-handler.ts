import type { Duplex } from 'node:stream';
import { AppError, isAppError, type Logger, RepeatFolder } from '@sqlfleet/core';
import { isRedisDown } from '@sqlfleet/queue';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** Every refusal answers `{ error: { code, message, ... } }`; only our own faults are 5xx. */
export function installErrorHandler(app: FastifyInstance): void {
  // While Redis is away every request answers 503 QUEUE_UNAVAILABLE: one line per interval says so, not one each.
  const repeats = RepeatFolder.of(app.log as Logger);
  app.addHook('onClose', async () => repeats.flush());
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    const appError = toAppError(error);
    if (appError.status >= 500 && appError.retryable) {
      repeats.error({ err: error, reqId: request.id, code: appError.code }, `request failed: ${appError.code}`);
    } else if (appError.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: appError.code }, 'request refused');
    if (appError.code === 'RATE_LIMITED') reply.header('retry-after', String(appError.details.retryAfterS ?? 60));
    return reply.status(appError.status).send(appError.toJSON());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new AppError('ROUTE_NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`);
    return reply.status(error.status).send(error.toJSON());
  });
}

/** Maps any error to the AppError a client is answered with (HTTP and Socket.IO alike). */
export function toAppError(thrown: unknown): AppError {
  if (isAppError(thrown)) return thrown;
  if (!(thrown instanceof Error)) return new AppError('INTERNAL', 'Internal error', { cause: thrown });
  const error = thrown as FastifyError;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new AppError('BODY_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('UNSUPPORTED_MEDIA_TYPE', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_VALIDATION':
      return new AppError('VALIDATION_FAILED', error.message);
  }
  if (error.statusCode === 400 && error instanceof SyntaxError) {
    return new AppError('VALIDATION_FAILED', `The body is not valid JSON: ${error.message}`);
  }
  if (isRedisDown(error)) return new AppError('QUEUE_UNAVAILABLE', 'The queue is not reachable', { cause: error });
  return new AppError('INTERNAL', 'Internal error', { cause: error });
}

/** Errors Fastify meets before routing (a URL that is not valid percent-encoding) skip the error handler. */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const appError = new AppError('REQUEST_MALFORMED', error.message);
  void reply.status(appError.status).send(appError.toJSON());
}

/**
 * What Node's HTTP parser refuses before any route sees it (a body cut short of its Content-Length,
 * a broken header) answers in our shape too, then the connection closes.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(new AppError('REQUEST_MALFORMED').toJSON());
  socket.end(
    `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
