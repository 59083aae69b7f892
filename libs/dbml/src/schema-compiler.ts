import { Worker } from 'node:worker_threads';
import { AppError, isErrorCode } from '@sqlfleet/core';
import type { CompiledSchema, CompileInput } from './compile-input.ts';
import type { CompileReply, CompileRequest } from './compile-thread.ts';

export interface SchemaCompilerOptions {
  /** The thread (and the ~300 MB @dbml/core takes) goes after this long without work. Default 60 s. */
  idleMs?: number;
}

type Pending = { resolve: (compiled: CompiledSchema) => void; reject: (error: unknown) => void; input: CompileInput };

/**
 * Compiles DBML on a worker thread that lives only while there is work. @dbml/core takes ~2 s and
 * ~300 MB to load; schemas are cached by fingerprint, so compiles come in bursts (a new exam's first
 * students), and between bursts an API or worker process gives that memory back.
 */
export class SchemaCompiler {
  private thread: Worker | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly idleMs: number;

  constructor(options: SchemaCompilerOptions = {}) {
    this.idleMs = options.idleMs ?? 60_000;
  }

  /** Like `compileSchema`, off the event loop: rejects with DBML_INVALID, DATA_INVALID or UNKNOWN_ENGINE. */
  compile(input: CompileInput): Promise<CompiledSchema> {
    clearTimeout(this.idleTimer);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, input });
      this.ensureThread().postMessage({ id, input } satisfies CompileRequest);
    });
  }

  /** Ends the thread; compiles still waiting are refused. Idempotent. */
  async close(): Promise<void> {
    clearTimeout(this.idleTimer);
    const thread = this.thread;
    this.thread = undefined;
    this.failAll(new AppError('INTERNAL', 'The schema compiler was closed'));
    await thread?.terminate();
  }

  private ensureThread(): Worker {
    if (this.thread) return this.thread;
    // The entry registers tsx, so the thread runs the TypeScript source as the process does (no build step).
    const thread = new Worker(new URL('./compile-thread-entry.mjs', import.meta.url));
    thread.on('message', (reply: CompileReply) => this.settle(reply));
    // Only the current thread's death fails what waits: an old one ending after `close()` owns nothing.
    const died = (error?: unknown) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      this.failAll(new AppError('INTERNAL', 'The schema compiler stopped', { cause: error }));
    };
    thread.on('error', died);
    thread.on('exit', () => died());
    thread.unref();
    this.thread = thread;
    return thread;
  }

  private settle(reply: CompileReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if (reply.ok) {
      waiting.resolve({ engine: waiting.input.engine, batches: reply.batches, fingerprint: reply.fingerprint });
    } else {
      const code = isErrorCode(reply.code) ? reply.code : 'INTERNAL';
      waiting.reject(new AppError(code, reply.message, { details: reply.details }));
    }
    if (this.pending.size === 0) {
      this.idleTimer = setTimeout(() => void this.close(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  private failAll(error: AppError): void {
    for (const { reject } of this.pending.values()) reject(error);
    this.pending.clear();
  }
}
