import Fastify, { type FastifyBaseLogger } from 'fastify';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { installErrorHandler } from './error-handler.ts';

describe('the error handler during a Redis outage', () => {
  it('answers every request 503 QUEUE_UNAVAILABLE and logs one line, then one with the count', async () => {
    const lines: { level: number; msg: string; repeated?: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    const app = Fastify({ loggerInstance: logger as FastifyBaseLogger, disableRequestLogging: true });
    installErrorHandler(app);
    app.get('/down', async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    });
    app.get('/bug', async () => {
      throw new TypeError('undefined is not a function');
    });

    const statuses = new Set<number>();
    for (let i = 0; i < 200; i++) statuses.add((await app.inject({ method: 'GET', url: '/down' })).statusCode);
    await app.inject({ method: 'GET', url: '/bug' });
    await app.inject({ method: 'GET', url: '/bug' });
    await app.close();

    expect([...statuses]).toEqual([503]);
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [50, 'request failed: QUEUE_UNAVAILABLE'],
      // Our own faults are not folded: each one is a defect to read.
      [50, 'request failed'],
      [50, 'request failed'],
      // Written at close (the interval is 10 s), with how many were folded.
      [50, expect.stringMatching(/^request failed: QUEUE_UNAVAILABLE \(and 199 more in the last [\d.]+ s\)$/)],
    ]);
  });
});
