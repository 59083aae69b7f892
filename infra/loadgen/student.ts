/**
 * One simulated student: a Socket.IO connection of its own (its own client id, as each
 * editor in an exam room sends one), the DBML once, then queries with think time. Records
 * submit → query:result latency and every failure by code.
 */
import type { ClientToServerEvents, QueryResult, QuerySubmit, ServerToClientEvents } from '@sqlfleet/contracts';
import { io, type Socket } from 'socket.io-client';
import type { LoadOptions } from './options.ts';
import type { Recorder } from './recorder.ts';

type Outcome = { kind: 'result'; result: QueryResult } | { kind: 'failed'; code: string };

export class Student {
  sessionId: string | undefined;
  private readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** Outcomes that arrived before the acknowledgement told us their job id. */
  private readonly early = new Map<string, Outcome>();
  private waiting: { jobId: string; settle: (outcome: Outcome) => void } | undefined;

  constructor(
    readonly clientId: string,
    private readonly options: LoadOptions,
    private readonly recorder: Recorder,
  ) {
    this.socket = io(options.url.origin, {
      transports: ['websocket'],
      reconnection: false,
      autoConnect: false,
      extraHeaders: { 'x-sqlfleet-client': clientId },
    });
    this.socket.on('query:result', (result) => this.deliver(result.jobId, { kind: 'result', result }));
    this.socket.on('query:failed', (failure) =>
      this.deliver(failure.jobId, { kind: 'failed', code: failure.error.code }),
    );
    this.socket.on('disconnect', () => this.waiting?.settle({ kind: 'failed', code: 'DISCONNECTED' }));
  }

  /** Connects, then queries until `until` (a performance.now() time); never throws. */
  async run(until: number, stopped: () => boolean): Promise<void> {
    if (!(await this.connect())) return;
    this.recorder.connected++;
    try {
      while (performance.now() < until && !stopped() && this.socket.connected) {
        await this.query();
        const jitter = 0.5 + Math.random();
        await sleep(Math.min(this.options.thinkMs * jitter, Math.max(0, until - performance.now())));
      }
    } finally {
      this.recorder.connected--;
      this.socket.disconnect();
    }
  }

  private connect(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => fail('CONNECT_TIMEOUT'), 10_000);
      const fail = (code: string) => {
        clearTimeout(timer);
        this.recorder.error(code);
        this.socket.disconnect();
        resolve(false);
      };
      this.socket.once('connect', () => {
        clearTimeout(timer);
        resolve(true);
      });
      this.socket.once('connect_error', () => fail('CONNECT_FAILED'));
      this.socket.connect();
    });
  }

  private async query(): Promise<void> {
    const first = this.sessionId === undefined;
    const room = this.options.room === undefined ? {} : { room: this.options.room };
    const payload: QuerySubmit = first
      ? { engine: this.options.engine, dbml: this.options.dbml, query: this.options.query, ...room }
      : { engine: this.options.engine, sessionId: this.sessionId, query: this.options.query, ...room };
    const started = performance.now();
    this.recorder.inFlight++;
    try {
      const ack = await this.socket.timeout(this.options.resultTimeoutMs).emitWithAck('query:submit', payload);
      if ('error' in ack) return this.recorder.error(ack.error.code);
      this.sessionId = ack.sessionId;
      const outcome = await this.outcomeOf(ack.jobId, this.options.resultTimeoutMs - (performance.now() - started));
      if (outcome.kind === 'failed') return this.recorder.error(outcome.code);
      if (!outcome.result.success) return this.recorder.error(`SQL_${outcome.result.error?.code ?? 'ERROR'}`);
      this.recorder.result(performance.now() - started, first, outcome.result.sandbox);
    } catch {
      // emitWithAck's timeout: the API never acknowledged.
      this.recorder.error('NO_ACK');
    } finally {
      this.recorder.inFlight--;
    }
  }

  private outcomeOf(jobId: string, timeoutMs: number): Promise<Outcome> {
    const early = this.early.get(jobId);
    this.early.clear();
    if (early) return Promise.resolve(early);
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle({ kind: 'failed', code: 'NO_RESULT' }), Math.max(0, timeoutMs));
      const settle = (outcome: Outcome) => {
        clearTimeout(timer);
        this.waiting = undefined;
        resolve(outcome);
      };
      this.waiting = { jobId, settle };
    });
  }

  private deliver(jobId: string, outcome: Outcome): void {
    if (this.waiting?.jobId === jobId) this.waiting.settle(outcome);
    else this.early.set(jobId, outcome);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
