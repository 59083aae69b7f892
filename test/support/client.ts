/** What a student's editor does: HTTP calls and a Socket.IO connection to the API. */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  ClientToServerEvents,
  QueryResult,
  QuerySubmit,
  ServerToClientEvents,
  SubmitAck,
} from '@sqlfleet/contracts';
import { io, type Socket } from 'socket.io-client';
import { expect } from 'vitest';

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

export async function post<T = QueryResult & { error?: { code: string } }>(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Answer<T>> {
  const response = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

export async function get<T = Record<string, unknown>>(url: string, path: string): Promise<Answer<T>> {
  const response = await fetch(`${url}${path}`);
  return { status: response.status, body: (await response.json()) as T };
}

export async function del(url: string, path: string): Promise<Answer> {
  const response = await fetch(`${url}${path}`, { method: 'DELETE' });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

export interface TimedAnswer extends Answer {
  /** How long the answer took, in ms. */
  ms: number;
}

/**
 * POST /api/query for the fault tests: timed, given up after `timeoutMs` (a refusal that hangs is what they
 * look for), and a failed call thrown with the fleet's last output (`logs`) in its message.
 */
export async function postTimed(
  url: string,
  body: Record<string, unknown>,
  logs: () => string,
  timeoutMs = 15_000,
): Promise<TimedAnswer> {
  const startedAt = performance.now();
  const response = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  }).catch((error: unknown) => {
    throw new Error(`${JSON.stringify(body).slice(0, 100)}: ${String(error)}\n${logs().slice(-4000)}`);
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    ms: performance.now() - startedAt,
  };
}

/**
 * A student's editor writing `INSERT INTO w (seq, attempt)` for seq 1…`writes` into its session, one after
 * another (`wait: false`), as the README tells clients to: a refused write is sent again after 100 ms with the
 * same `requestId`, which becomes the job id. `accepted` hears each job id; `refused` each refusal (and may
 * throw to give up).
 */
export async function writeInOrder(
  submit: (body: Record<string, unknown>) => Promise<TimedAnswer>,
  sessionId: string,
  writes: number,
  on: { accepted(jobId: string): void; refused(answer: TimedAnswer): void },
): Promise<void> {
  for (let seq = 1; seq <= writes; seq++) {
    const requestId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      const answer = await submit({
        engine: 'postgres',
        sessionId,
        requestId,
        wait: false,
        query: `INSERT INTO w (seq, attempt) VALUES (${seq}, ${attempt})`,
      }).catch((error: unknown) => ({ status: 0, body: { error: String(error) }, ms: 0 }) as TimedAnswer);
      if (answer.status === 202) {
        expect(answer.body.jobId).toBe(requestId);
        on.accepted(requestId);
        break;
      }
      on.refused(answer);
      await sleep(100);
    }
  }
}

/** Polls a job until it has finished, as a reconnecting client would. */
export async function waitForJob(url: string, jobId: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await get(url, `/api/jobs/${jobId}`);
    if (body.state === 'done' || body.state === 'failed') return body;
    if (Date.now() > giveUpAt) throw new Error(`job ${jobId} still ${String(body.state)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export type StudentSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export async function connectSocket(url: string): Promise<StudentSocket> {
  const socket: StudentSocket = io(url, { transports: ['websocket'], reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Submits over Socket.IO and resolves with the pushed result of that job. */
export async function submitOverSocket(
  socket: StudentSocket,
  payload: Record<string, unknown>,
): Promise<{ ack: SubmitAck; result: QueryResult }> {
  const results: QueryResult[] = [];
  const waiters: ((r: QueryResult) => void)[] = [];
  const onResult = (result: QueryResult) => {
    results.push(result);
    for (const waiter of waiters) waiter(result);
  };
  socket.on('query:result', onResult);
  try {
    const ack: SubmitAck = await socket.timeout(10_000).emitWithAck('query:submit', payload as QuerySubmit);
    if ('error' in ack) return { ack, result: undefined as never };
    const result = await new Promise<QueryResult>((resolve, reject) => {
      const found = results.find((r) => r.jobId === ack.jobId);
      if (found) return resolve(found);
      const timer = setTimeout(() => reject(new Error(`no query:result for ${ack.jobId}`)), 30_000);
      waiters.push((r) => {
        if (r.jobId === ack.jobId) {
          clearTimeout(timer);
          resolve(r);
        }
      });
    });
    return { ack, result };
  } finally {
    socket.off('query:result', onResult);
  }
}
