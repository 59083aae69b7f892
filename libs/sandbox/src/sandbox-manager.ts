import { randomBytes } from 'node:crypto';
import { targetKey } from '@sqlfleet/contracts';
import { AppError, type EngineName, type Logger, RepeatFolder } from '@sqlfleet/core';
import type { SchemaCompiler } from '@sqlfleet/dbml';
import { examOwner, parseExamOwner } from './exams/exam-owner.ts';
import type { ExamRecord, ExamStore } from './exams/exam-store.ts';
import type { EnsureResult, Provisioner, Sandbox, SandboxRef } from './provisioner.ts';
import type { RedisLocks } from './redis-lock.ts';
import type { SessionRecord, SessionStore } from './session-store.ts';

export interface SandboxManagerOptions {
  store: SessionStore;
  locks: RedisLocks;
  /** The provisioner that holds each engine's sandboxes. */
  provisioners: ReadonlyMap<EngineName, Provisioner>;
  /** Compiles a session's DBML when its batches are not cached here yet. */
  compiler: SchemaCompiler;
  /** Registered exams: a new session of an exam room claims one of its pre-warmed sandboxes. */
  exams?: ExamStore;
  /**
   * A worker: it opens a connection to each sandbox it pre-warms (into a free slot of its budget) and
   * claims those first, so a student's first query finds its backend already there.
   */
  holder?: ConnectionHolder;
  logger: Logger;
}

export interface ConnectionHolder {
  /** The worker's id (its home). */
  id: string;
  /** True when a connection to the sandbox is now open and kept for `keepMs`. */
  prepare(sandbox: Sandbox, keepMs: number): Promise<boolean>;
}

/** A pre-warmed sandbox, and the worker holding a connection to it open, if one does. */
export interface PrewarmedSandbox {
  sandbox: Sandbox;
  heldBy?: string;
}

const COMPILED_CACHE_SIZE = 64;
/** Unclaimed sandboxes of a deleted exam removed at once. */
const EXAM_REMOVALS_AT_ONCE = 4;

/** The stored handle reaches the sandbox exactly as the new one does (same sandbox, login and password). */
function sameHandle(stored: Sandbox | undefined, fresh: Sandbox): boolean {
  return (
    stored?.id === fresh.id &&
    stored.fingerprint === fresh.fingerprint &&
    targetKey(stored.target) === targetKey(fresh.target) &&
    stored.target.password === fresh.target.password
  );
}

/**
 * Keeps sessions and their sandboxes in step: ensure (under the session's fleet-wide lock),
 * destroy, and the reaper's sweeps. Any worker or API replica can do any of it.
 */
export class SandboxManager {
  /** Compiled batches by fingerprint: an exam room shares one schema, compile it once. */
  private readonly compiled = new Map<string, readonly string[]>();

  constructor(private readonly options: SandboxManagerOptions) {}

  provisionerFor(engine: EngineName): Provisioner {
    const provisioner = this.options.provisioners.get(engine);
    if (!provisioner) throw new AppError('ENGINE_UNAVAILABLE', `Engine ${engine} is not available on this deployment`);
    return provisioner;
  }

  /**
   * Makes the session's sandbox match `fingerprint`; throws SESSION_NOT_FOUND if it was deleted.
   * A session of an exam room (`room`) without a sandbox yet claims one the exam pre-warmed (`claimed: true`,
   * state `created`) and records it as its own in the same step, without the session's lock; an empty pool
   * falls back to building. A claimed sandbox is the session's at once, so one that turns out unusable (its
   * first query fails) is checked here like any other.
   */
  async ensure(sessionId: string, fingerprint: string, room?: string): Promise<EnsureResult & { claimed: boolean }> {
    const { store, locks } = this.options;
    const claimed = room ? await this.claim(sessionId, room, fingerprint) : undefined;
    if (claimed) return { sandbox: claimed, state: 'created', claimed: true };
    // Read inside the lock (another worker may just have built or destroyed the sandbox), sent with it.
    return locks.runAfterRead(
      `sandbox:${sessionId}`,
      () => store.get(sessionId),
      async (session) => {
        if (!session) throw new AppError('SESSION_NOT_FOUND', `Session ${sessionId} does not exist or has expired`);
        const provisioner = this.provisionerFor(session.engine);
        const batches = await this.batchesFor(session.engine, fingerprint);
        const result = await provisioner.ensure(
          { sessionId, engine: session.engine, fingerprint, batches },
          session.sandbox,
        );
        // A reused sandbox may come with a new handle: its login's password was reset (the student changed it).
        if (!sameHandle(session.sandbox, result.sandbox)) await store.setSandbox(sessionId, result.sandbox);
        return { ...result, claimed: false };
      },
    );
  }

  /** Builds one pre-warmed sandbox for the exam, owned by the exam until a session claims it. */
  async prewarm(exam: ExamRecord): Promise<PrewarmedSandbox> {
    // Random, not the slot number: a slot given back after a failed build must not name a sandbox in use.
    const sessionId = examOwner(exam.room, exam.id, randomBytes(9).toString('hex'));
    const batches = await this.batchesFor(exam.engine, exam.fingerprint);
    const { sandbox } = await this.provisionerFor(exam.engine).ensure({
      sessionId,
      engine: exam.engine,
      fingerprint: exam.fingerprint,
      batches,
    });
    const { holder } = this.options;
    // Only a head start: a connection that cannot be opened now is opened by the first query, as without.
    const held = await holder?.prepare(sandbox, exam.expiresAt - Date.now()).catch(() => false);
    return held && holder ? { sandbox, heldBy: holder.id } : { sandbox };
  }

  /** Forgets the exam and removes its unclaimed sandboxes (claimed ones belong to their sessions). False if unknown. */
  async destroyExam(room: string): Promise<boolean> {
    const unclaimed = await this.options.exams?.remove(room);
    if (!unclaimed) return false;
    let left = 0;
    // A few at a time: one by one, 400 containers took over 5 minutes here; all at once would load the
    // container engine (or the shared server) as much as building them did.
    const queue = [...unclaimed];
    const remover = async () => {
      for (let sandbox = queue.shift(); sandbox; sandbox = queue.shift()) {
        // The exam is already forgotten, so one that cannot go now is an orphan the next sweep removes.
        await this.destroyPrewarmed(sandbox).catch((error: unknown) => {
          left++;
          RepeatFolder.of(this.options.logger).warn(
            { room, sandbox: sandbox?.id, err: error },
            'unclaimed sandbox left to the sweep',
          );
        });
      }
    };
    await Promise.all(Array.from({ length: EXAM_REMOVALS_AT_ONCE }, remover));
    this.options.logger.info({ room, removed: unclaimed.length - left, left }, 'exam deleted');
    return true;
  }

  /** Removes a pre-warmed sandbox nobody will claim (its exam is gone). */
  async destroyPrewarmed(sandbox: Sandbox): Promise<void> {
    await this.provisionerFor(sandbox.engine).destroy({
      id: sandbox.id,
      engine: sandbox.engine,
      sessionId: sandbox.sessionId,
    });
  }

  /** Records the session as the claimed sandbox's owner; one that fails leaves the exam's owner tag, which the sweep reads as held. */
  private async handOver(provisioner: Provisioner, sandbox: Sandbox): Promise<void> {
    try {
      await provisioner.handOver(sandbox);
    } catch (error) {
      RepeatFolder.of(this.options.logger).warn(
        { sessionId: sandbox.sessionId, err: error },
        'claimed sandbox not recorded as the session’s',
      );
    }
  }

  /**
   * A pre-warmed sandbox of the room's exam, now the session's (see ExamStore.claim). Claimed from the pool:
   * no admin checks before the student's first query, whose answer does not wait for the owner's record on
   * the server either (the orphan sweep keeps a sandbox a session holds).
   */
  private async claim(sessionId: string, room: string, fingerprint: string): Promise<Sandbox | undefined> {
    const { exams, holder } = this.options;
    if (!exams) return undefined;
    const sandbox = await exams.claim(room, fingerprint, sessionId, holder?.id);
    if (sandbox) void this.handOver(this.provisionerFor(sandbox.engine), sandbox);
    return sandbox;
  }

  /**
   * Destroys the session's sandbox and forgets the session. False when the session is unknown,
   * or when `stillDue` (checked under the lock) says it no longer should go.
   */
  async destroySession(
    sessionId: string,
    stillDue: (session: SessionRecord) => boolean = () => true,
  ): Promise<boolean> {
    const { store, locks, logger } = this.options;
    return locks.run(`sandbox:${sessionId}`, async () => {
      const session = await store.get(sessionId);
      if (!session || !stillDue(session)) return false;
      if (session.sandbox) {
        await this.provisionerFor(session.engine).destroy({
          id: session.sandbox.id,
          engine: session.engine,
          sessionId,
        });
      }
      await store.delete(session);
      logger.info({ sessionId, engine: session.engine }, 'session destroyed');
      return true;
    });
  }

  /** Destroys sessions idle since before `cutoff`; each is re-checked under its lock. */
  async reapIdle(cutoff: number): Promise<string[]> {
    const reaped: string[] = [];
    for (const sessionId of await this.options.store.idleBefore(cutoff)) {
      if (await this.destroySession(sessionId, (session) => session.lastUsedAt < cutoff)) reaped.push(sessionId);
    }
    return reaped;
  }

  /**
   * Removes sandboxes whose session is gone (or whose exam is, for an unclaimed pre-warmed one), and forgets sandbox handles whose sandbox is gone
   * (the session stays; its next query rebuilds the sandbox and says "recreated").
   */
  async sweepOrphans(): Promise<{ sandboxes: SandboxRef[]; handles: string[] }> {
    const { store, locks } = this.options;
    const removed: SandboxRef[] = [];
    const forgotten: string[] = [];
    const listedAt = Date.now();
    const listings: [Provisioner, SandboxRef[]][] = [];
    for (const provisioner of new Set(this.options.provisioners.values())) {
      listings.push([provisioner, await provisioner.list()]);
    }
    const existing = new Set(listings.flatMap(([, refs]) => refs.map((ref) => ref.id)));
    // Read after the listings: a student may have claimed a pre-warmed sandbox after its owner (the exam)
    // was read (a container's metadata, one by one), and the exam been deleted since. Theirs now.
    const held = await this.sessionSandboxes();
    const heldIds = idsOf(held);
    /** Pre-warmed sandboxes whose exam was seen gone, held by no session when last read. */
    const examLeftovers: [Provisioner, SandboxRef][] = [];
    for (const [provisioner, refs] of listings) {
      for (const ref of refs) {
        if (ref.ownerUnknown) continue;
        const exam = ref.sessionId === undefined ? undefined : parseExamOwner(ref.sessionId);
        if (exam && (await this.options.exams?.isLive(exam.room, exam.examId))) continue;
        if (exam && heldIds.has(ref.id)) continue;
        if (exam) {
          examLeftovers.push([provisioner, ref]);
          continue;
        }
        if (!ref.sessionId) {
          await provisioner.destroy(ref);
          removed.push(ref);
          continue;
        }
        const sessionId = ref.sessionId;
        const orphan = await locks.run(`sandbox:${sessionId}`, async () => {
          const session = await store.get(sessionId);
          if (session?.sandbox?.id === ref.id) return false;
          await provisioner.destroy(ref);
          return true;
        });
        if (orphan) removed.push(ref);
      }
    }
    if (examLeftovers.length > 0) {
      // Read again now that their exams are seen gone: a student may have claimed one between the first read
      // and the exam's deletion (CI, under load: a student's sandbox removed). Once the exam is gone no claim
      // can come, so this read is the last word.
      const heldNow = idsOf(await this.sessionSandboxes());
      for (const [provisioner, ref] of examLeftovers) {
        if (heldNow.has(ref.id)) continue;
        await provisioner.destroy(ref);
        removed.push(ref);
      }
    }
    for (const [sessionId, sandbox] of held) {
      // A sandbox made after the listing is simply not in it yet.
      if (existing.has(sandbox.id) || sandbox.createdAt >= listedAt) continue;
      await locks.run(`sandbox:${sessionId}`, async () => {
        const fresh = await store.get(sessionId);
        if (fresh?.sandbox && !existing.has(fresh.sandbox.id) && fresh.sandbox.createdAt < listedAt) {
          await store.setSandbox(sessionId, undefined);
          forgotten.push(sessionId);
        }
      });
    }
    return { sandboxes: removed, handles: forgotten };
  }

  /** The sandbox each live session holds, by session id. */
  private async sessionSandboxes(): Promise<Map<string, Sandbox>> {
    const held = new Map<string, Sandbox>();
    for (const sessionId of await this.options.store.allIds()) {
      const sandbox = (await this.options.store.get(sessionId))?.sandbox;
      if (sandbox) held.set(sessionId, sandbox);
    }
    return held;
  }

  /** Drops schema templates idle past SANDBOX_TEMPLATE_IDLE_MS, on every provisioner that keeps them. */
  async sweepTemplates(): Promise<string[]> {
    const dropped: string[] = [];
    for (const provisioner of new Set(this.options.provisioners.values())) {
      dropped.push(...((await provisioner.sweepTemplates?.()) ?? []));
    }
    return dropped;
  }

  private async batchesFor(engine: EngineName, fingerprint: string): Promise<readonly string[]> {
    const cached = this.compiled.get(fingerprint);
    if (cached) return cached;
    const schema = await this.options.store.getSchema(fingerprint);
    if (!schema) throw new AppError('SANDBOX_FAILED', 'The schema of this session has expired; send the DBML again');
    // Compiled by the API that checked it, for this engine; else (stored before batches were) compiled here.
    const batches =
      schema.batches && schema.engine === engine
        ? schema.batches
        : (await this.options.compiler.compile({ engine, dbml: schema.dbml, data: schema.data })).batches;
    if (this.compiled.size >= COMPILED_CACHE_SIZE) {
      const oldest = this.compiled.keys().next().value;
      if (oldest !== undefined) this.compiled.delete(oldest);
    }
    this.compiled.set(fingerprint, batches);
    return batches;
  }
}

/** The ids of the sandboxes sessions hold. */
function idsOf(held: ReadonlyMap<string, Sandbox>): Set<string> {
  return new Set([...held.values()].map((sandbox) => sandbox.id));
}
