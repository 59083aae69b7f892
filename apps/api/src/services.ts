import type { Config, EngineName } from '@sqlfleet/core';
import type { DrainQueues, FleetKeys, JobStore, Mailbox, ResultPublisher } from '@sqlfleet/queue';
import type { SandboxManager, SessionStore } from '@sqlfleet/sandbox';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { ExamService } from './exam-service.ts';
import type { ProctorServices } from './proctor/proctor-services.ts';
import type { RateLimiter } from './rate-limiter.ts';
import type { ResultWaiter } from './result-waiter.ts';
import type { SubmissionService } from './submission-service.ts';

/** What the routes and the Socket.IO gateway work with; built once in main.ts. */
export interface ApiServices {
  config: Config;
  redis: Redis;
  keys: FleetKeys;
  drainQueues: DrainQueues;
  sessions: SessionStore;
  jobs: JobStore;
  mailbox: Mailbox;
  manager: SandboxManager;
  submissions: SubmissionService;
  exams: ExamService;
  waiter: ResultWaiter;
  rateLimiter: RateLimiter;
  /** Set once the Socket.IO server exists (it needs the HTTP server). */
  publisher?: ResultPublisher;
  available: ReadonlySet<EngineName>;
  metrics: Registry;
  /** Extra health figures a provisioner reports (e.g. the container engine's circuit). */
  healthDetails: () => Promise<Record<string, unknown>>;
  /** Proctor tokens, the dashboard's figures and the audit trail. */
  proctor: ProctorServices;
}
