/**
 * A simulated student for the fleet benches: its own client id (an exam room's editors
 * each send one, so the sessions-per-client ceiling is per student), one session, HTTP or
 * Socket.IO. Any answer other than a successful result throws: a failed query must not be
 * counted as a fast one.
 */
import { randomBytes } from 'node:crypto';
import type { QueryResult } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import { io } from 'socket.io-client';
import { type StudentSocket, submitOverSocket } from '../test/support/client.ts';
import { postJson, studentAgent } from './http-client.ts';

export class Student {
  readonly clientId = `bench-${randomBytes(6).toString('hex')}`;
  sessionId: string | undefined;
  /** Answers whose sandbox was built again (`sandbox: "recreated"`): nothing here changes a schema, so each lost work. */
  recreated = 0;
  private socket: StudentSocket | undefined;
  private readonly agent = studentAgent();

  constructor(
    private readonly url: string,
    readonly engine: EngineName,
    /** The exam room the student sits in, sent with every query. */
    readonly room?: string,
  ) {}

  /** POST /api/query with wait:true; the first call (with DBML) makes the session. */
  async post(query: string, dbml?: string): Promise<QueryResult> {
    const { status, body } = await postJson<QueryResult & { error?: { code: string; message: string } }>(
      this.agent,
      `${this.url}/api/query`,
      { 'x-sqlfleet-client': this.clientId },
      { engine: this.engine, sessionId: this.sessionId, dbml, query, wait: true, room: this.room },
    );
    return this.accept(body, `HTTP ${status}`);
  }

  /** query:submit over this student's socket, resolved by the pushed query:result. */
  async submit(query: string, dbml?: string): Promise<QueryResult> {
    this.socket ??= await this.connect();
    const payload: Record<string, unknown> = { engine: this.engine, query };
    if (this.room) payload.room = this.room;
    if (this.sessionId) payload.sessionId = this.sessionId;
    if (dbml) payload.dbml = dbml;
    const { ack, result } = await submitOverSocket(this.socket, payload);
    if ('error' in ack) throw new Error(`query:submit refused: ${ack.error.code} ${ack.error.message}`);
    return this.accept(result, 'query:result');
  }

  private async connect(): Promise<StudentSocket> {
    const socket: StudentSocket = io(this.url, {
      transports: ['websocket'],
      reconnection: false,
      extraHeaders: { 'x-sqlfleet-client': this.clientId },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    return socket;
  }

  /** Removes the session's sandbox now (the fleet's stop() would too, but later). */
  async leave(): Promise<void> {
    this.socket?.disconnect();
    this.socket = undefined;
    this.agent.destroy();
    if (!this.sessionId) return;
    await fetch(`${this.url}/api/session/${this.sessionId}`, { method: 'DELETE' });
    this.sessionId = undefined;
  }

  /** Their answers so far whose sandbox was built again: each one a student's work lost. */
  static rebuilt(students: readonly Student[]): number {
    return students.reduce((sum, student) => sum + student.recreated, 0);
  }

  /** Removes students' sessions one after another, so clean-up does not load the fleet being measured. */
  static async leaveAll(students: readonly Student[]): Promise<void> {
    for (const student of students) await student.leave();
  }

  private accept(body: QueryResult & { error?: { code: string; message: string } }, how: string): QueryResult {
    if (!body.success) throw new Error(`${how}: ${body.error?.code} ${body.error?.message}`);
    this.sessionId ??= body.sessionId;
    if (body.sandbox === 'recreated') this.recreated++;
    return body;
  }
}
