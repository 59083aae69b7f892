import { z } from 'zod';
import { AppError } from './errors.ts';
import { parseSentinels, type RedisTarget } from './redis-target.ts';

/**
 * The one configuration schema of sqlfleet. Only an app's main.ts calls `loadConfig`;
 * libraries take the parts they need through their constructors.
 * Every variable is documented in docs/configuration.md (a test keeps them in step).
 */

const int = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');

/** Environment variable name → schema. Names are the variables' own names. */
export const ENV_SCHEMA = {
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PORT: int(3000),
  /** Left out (not defaulted) here so that setting it beside REDIS_SENTINELS can be refused; default in toConfig. */
  REDIS_URL: z.string().url().optional(),
  /** Password of the Redis server (with Sentinel: of the primary and replicas); or give it in REDIS_URL. */
  REDIS_PASSWORD: z.string().optional(),
  /** Redis Sentinel: `host:port` of each sentinel, comma-separated; set, it replaces REDIS_URL. */
  REDIS_SENTINELS: z.string().optional(),
  REDIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, dot, dash and underscore, at most 64')
    .optional(),
  REDIS_SENTINEL_PASSWORD: z.string().optional(),
  /** Prefix for every name sqlfleet makes (queues, Redis keys, databases, logins, container labels). */
  FLEET_ID: z
    .string()
    .regex(/^[a-z][a-z0-9]{0,15}$/, 'lowercase letters and digits, at most 16, starting with a letter')
    .default('sqlfleet'),

  PG_ADMIN_URL: z.string().default('postgres://postgres@127.0.0.1:5432/postgres'),
  MYSQL_ADMIN_URL: z.string().default('mysql://root@127.0.0.1:3306/mysql'),
  /** Empty: SQL Server is not available on this deployment. */
  MSSQL_URL: z.string().default(''),
  ENGINES: z.string().default('postgres,mysql,mssql'),

  SANDBOX_PROVISIONER: z.enum(['server', 'docker']).default('server'),
  DOCKER_HOST: z.string().default(''),
  SANDBOX_IMAGE_POSTGRES: z.string().default('localhost/sqlfleet/postgres:15'),
  SANDBOX_IMAGE_MYSQL: z.string().default('localhost/sqlfleet/mariadb:10.11'),
  SANDBOX_IMAGE_MSSQL: z.string().default('mcr.microsoft.com/mssql/server:2022-latest'),
  /** The container a worker runs in, joined to each sandbox network (`self`: this container's hostname). */
  SANDBOX_ATTACH_CONTAINER: z.string().default(''),
  SANDBOX_READINESS_MS: int(60_000),
  SANDBOX_MEMORY_MB: int(256),
  SANDBOX_CPUS: z.coerce.number().positive().default(0.5),
  SANDBOX_PIDS: int(256),
  /** MB a sandbox database may hold before its writes are refused, on either provisioner (0 = no cap). */
  SANDBOX_STORAGE_MB: int(256),
  /**
   * Running time (ms) of read-only queries (by their command tags) after which a
   * sandbox is measured again; other queries are measured at once. 0 = measure after every query.
   */
  SANDBOX_STORAGE_READ_MS: int(2000),
  /** Server provisioner, PostgreSQL: temp_file_limit of each sandbox login in MB (spilled sorts and hashes). */
  SANDBOX_TEMP_FILE_MB: int(256),
  /**
   * Server provisioner, PostgreSQL: how a sandbox is copied from its schema's template. Which is faster
   * depends on the server's disk and checkpoints (measured both ways round on machines of the same kind).
   */
  SANDBOX_PG_CLONE_STRATEGY: z.enum(['file_copy', 'wal_log']).default('file_copy'),

  /** The most students one exam may announce (POST /api/exams). */
  EXAM_MAX_STUDENTS: int(5_000),
  /** Sandboxes built beyond `students`, as a percentage (late joiners, a student who deletes their session). */
  EXAM_HEADROOM_PERCENT: int(5),
  /** An exam and its unclaimed sandboxes are removed this long after it was registered. */
  EXAM_TTL_MS: int(6 * 60 * 60_000),
  /** Fill jobs per exam: how many workers build its sandboxes at once, fleet-wide. */
  EXAM_PREWARM_JOBS: int(2),
  /** Pre-warm builds one worker runs at once, beside its sessions' queries. */
  EXAM_PREWARM_CONCURRENCY: int(1),

  /**
   * Connections to one shared database server that the whole fleet's sandbox logins may hold
   * (0: half of the server's max_connections, the rest left to admins and other clients).
   */
  CONNECTION_BUDGET: int(0),
  /** Workers sharing CONNECTION_BUDGET: each holds at most its share (budget / workers). */
  CONNECTION_BUDGET_WORKERS: z.coerce.number().int().positive().default(1),
  /** How long a query waits for a connection of the budget before a retryable CONNECTIONS_EXHAUSTED. */
  CONNECTION_WAIT_MS: int(10_000),
  /**
   * How long a sandbox connection left idle stays open within the budget (past the budget the least recently
   * used closes first anyway): a student thinking longer than this gets a new backend for their next query.
   */
  CONNECTION_IDLE_MS: int(60_000),

  /** Server provisioner: build each fingerprint's schema once in a template database and copy it for new sandboxes. */
  SANDBOX_TEMPLATES: bool(true),
  /** A template nothing was copied from for this long is dropped by the reaper. */
  SANDBOX_TEMPLATE_IDLE_MS: int(30 * 60_000),

  SESSION_TTL_MS: int(60 * 60_000),
  RESULT_TTL_MS: int(60 * 60_000),
  REAPER_INTERVAL_MS: int(5 * 60_000),
  WORKER_CONCURRENCY: int(8),
  /** Job lock; a dead worker's job is taken again after about this long. Every worker must agree. */
  WORKER_LOCK_MS: int(30_000),
  /**
   * How long a query that cannot run for a passing reason (Redis away, a database server restarting or full, no
   * connection free) is tried again, from its first failure, before it is failed with that reason's code.
   */
  WORKER_RETRY_MS: int(60_000),
  /** A query whose runs ended this many worker processes is failed (QUERY_CRASHED_WORKER) instead of run again. */
  WORKER_MAX_CRASHES: z.coerce.number().int().positive().default(3),
  /** A worker serves GET /metrics here; 0 turns it off (several workers on one host need their own ports). */
  WORKER_METRICS_PORT: int(0),
  /** Drains one exam room may hold at once fleet-wide while other rooms have work (0: no cap); per room: PUT /api/rooms/:room/limits. */
  ROOM_CONCURRENCY: int(8),
  /** BullMQ priority of a room's drains (1 is served first); per room: PUT /api/rooms/:room/limits. */
  ROOM_PRIORITY: int(100),
  RATE_LIMIT_PER_MINUTE: int(600),
  WAIT_TIMEOUT_MS: int(60_000),
  METRICS: bool(true),

  QUERY_TIMEOUT_MS: int(5_000),
  QUERY_TIMEOUT_MAX_MS: int(30_000),
  MAX_ROWS: int(10_000),
  MAX_ROWS_CEILING: int(100_000),
  MAX_RESULT_BYTES: int(8 * 1024 * 1024),
  MAX_RESULT_BYTES_CEILING: int(32 * 1024 * 1024),
  MAX_QUERY_BYTES: int(256 * 1024),
  MAX_DBML_BYTES: int(2 * 1024 * 1024),
  MAX_BODY_BYTES: int(4 * 1024 * 1024),
  MAX_SESSIONS_PER_CLIENT: int(20),
  MAX_PENDING_PER_SESSION: int(50),
  MAX_BACKLOG: int(50_000),
  /** Web origins allowed to call the API from a browser (comma-separated; `*`: any). */
  CORS_ORIGINS: z.string().default('*'),
  /** When set, /api/queue, /proctor and /metrics want it as a bearer token (or `?token=`). */
  OPS_TOKEN: z.string().default(''),
  /** How long a proctor token stays valid after it is made. */
  PROCTOR_TOKEN_TTL_MS: int(24 * 60 * 60_000),
  /** How often the proctor dashboard is pushed to the proctors' browsers. */
  DASHBOARD_PUSH_MS: int(2_000),
  /** Audit trail: entries older than this are trimmed; and at most this many entries per room. */
  AUDIT_RETENTION_MS: int(14 * 24 * 60 * 60_000),
  AUDIT_MAX_ENTRIES_PER_ROOM: int(200_000),
  /** The reaper serves GET /metrics here; 0 turns it off. */
  REAPER_METRICS_PORT: int(0),
} as const;

const envSchema = z.object(ENV_SCHEMA);
type Env = z.infer<typeof envSchema>;

const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
/** The name Redis's sample sentinel.conf monitors its primary under. */
const DEFAULT_SENTINEL_MASTER = 'mymaster';

/** BullMQ's largest job priority (2^21). */
export const MAX_PRIORITY = 2_097_152;

export interface LimitPair {
  default: number;
  ceiling: number;
}

export const ENGINE_NAMES = ['postgres', 'mysql', 'mssql'] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

export interface Config {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  http: { host: string; port: number; corsOrigins: '*' | readonly string[] };
  redis: RedisTarget;
  fleetId: string;
  engines: {
    enabled: readonly EngineName[];
    postgresAdminUrl: string;
    mysqlAdminUrl: string;
    mssqlUrl: string;
  };
  sandbox: {
    provisioner: 'server' | 'docker';
    dockerHost: string;
    images: Record<EngineName, string>;
    attachContainer: string;
    readinessMs: number;
    memoryMb: number;
    cpus: number;
    pids: number;
    templates: boolean;
    templateIdleMs: number;
    storageMb: number;
    storageReadMs: number;
    tempFileMb: number;
    pgCloneStrategy: 'file_copy' | 'wal_log';
  };
  exams: {
    maxStudents: number;
    headroomPercent: number;
    ttlMs: number;
    prewarmJobs: number;
    prewarmConcurrency: number;
  };
  /** Connections a fleet's sandbox logins hold on one shared server (`budget` 0: derived from the server). */
  connections: { budget: number; workers: number; waitMs: number; idleMs: number };
  sessionTtlMs: number;
  resultTtlMs: number;
  reaperIntervalMs: number;
  worker: { concurrency: number; lockMs: number; retryMs: number; metricsPort: number; maxCrashes: number };
  rooms: { concurrency: number; priority: number };
  rateLimitPerMinute: number;
  waitTimeoutMs: number;
  metrics: boolean;
  limits: {
    queryTimeMs: LimitPair;
    rows: LimitPair;
    resultBytes: LimitPair;
    queryBytes: number;
    dbmlBytes: number;
    bodyBytes: number;
    sessionsPerClient: number;
    pendingPerSession: number;
    backlog: number;
  };
  opsToken: string;
  proctor: { tokenTtlMs: number; pushMs: number };
  audit: { retentionMs: number; maxEntriesPerRoom: number };
  reaperMetricsPort: number;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Reads, validates and freezes the configuration; throws CONFIG_INVALID listing every problem. */
export function loadConfig(source: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(present);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  if (parsed.success) problems.push(...crossChecks(parsed.data));
  if (!parsed.success || problems.length > 0) {
    throw new AppError('CONFIG_INVALID', `Invalid configuration:\n  ${problems.join('\n  ')}`, {
      details: { problems },
    });
  }
  return deepFreeze(toConfig(parsed.data));
}

function crossChecks(env: Env): string[] {
  const problems: string[] = [];
  const pairs: [string, number, string, number][] = [
    ['QUERY_TIMEOUT_MS', env.QUERY_TIMEOUT_MS, 'QUERY_TIMEOUT_MAX_MS', env.QUERY_TIMEOUT_MAX_MS],
    ['MAX_ROWS', env.MAX_ROWS, 'MAX_ROWS_CEILING', env.MAX_ROWS_CEILING],
    ['MAX_RESULT_BYTES', env.MAX_RESULT_BYTES, 'MAX_RESULT_BYTES_CEILING', env.MAX_RESULT_BYTES_CEILING],
  ];
  for (const [name, value, ceilingName, ceiling] of pairs) {
    if (value > ceiling) problems.push(`${name}: ${value} is above ${ceilingName} (${ceiling})`);
  }
  for (const engine of parseEngines(env.ENGINES).unknown) {
    problems.push(`ENGINES: unknown engine "${engine}" (known: ${ENGINE_NAMES.join(', ')})`);
  }
  if (env.MAX_QUERY_BYTES > env.MAX_BODY_BYTES) problems.push('MAX_QUERY_BYTES: above MAX_BODY_BYTES');
  if (env.ROOM_PRIORITY < 1 || env.ROOM_PRIORITY > MAX_PRIORITY) {
    problems.push(`ROOM_PRIORITY: must be between 1 and ${MAX_PRIORITY}`);
  }
  problems.push(...redisChecks(env));
  return problems;
}

function redisChecks(env: Env): string[] {
  const problems: string[] = [];
  if (env.REDIS_SENTINELS === undefined) {
    for (const name of ['REDIS_SENTINEL_MASTER', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (env[name] !== undefined) problems.push(`${name}: only used with REDIS_SENTINELS, which is not set`);
    }
    if (env.REDIS_PASSWORD !== undefined && env.REDIS_URL && new URL(env.REDIS_URL).password) {
      problems.push('REDIS_PASSWORD: REDIS_URL holds a password already; give it in one place');
    }
    return problems;
  }
  const { sentinels, problems: entries } = parseSentinels(env.REDIS_SENTINELS);
  problems.push(...entries.map((p) => `REDIS_SENTINELS: ${p}`));
  if (entries.length === 0 && sentinels.length === 0) problems.push('REDIS_SENTINELS: no sentinel listed');
  // Both set would leave one of them silently unused.
  if (env.REDIS_URL !== undefined) problems.push('REDIS_URL: set REDIS_URL or REDIS_SENTINELS, not both');
  return problems;
}

function redisTarget(env: Env): RedisTarget {
  const password = env.REDIS_PASSWORD;
  if (env.REDIS_SENTINELS === undefined) return { kind: 'url', url: env.REDIS_URL ?? DEFAULT_REDIS_URL, password };
  return {
    kind: 'sentinel',
    sentinels: parseSentinels(env.REDIS_SENTINELS).sentinels,
    masterName: env.REDIS_SENTINEL_MASTER ?? DEFAULT_SENTINEL_MASTER,
    password,
    sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
  };
}

function parseOrigins(list: string): '*' | string[] {
  const origins = list
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  return origins.includes('*') ? '*' : origins;
}

function parseEngines(list: string): { known: EngineName[]; unknown: string[] } {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const isEngine = (name: string): name is EngineName => (ENGINE_NAMES as readonly string[]).includes(name);
  return { known: names.filter(isEngine), unknown: names.filter((name) => !isEngine(name)) };
}

function toConfig(env: Env): Config {
  return {
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    http: { host: env.HOST, port: env.PORT, corsOrigins: parseOrigins(env.CORS_ORIGINS) },
    redis: redisTarget(env),
    fleetId: env.FLEET_ID,
    engines: {
      enabled: parseEngines(env.ENGINES).known,
      postgresAdminUrl: env.PG_ADMIN_URL,
      mysqlAdminUrl: env.MYSQL_ADMIN_URL,
      mssqlUrl: env.MSSQL_URL,
    },
    sandbox: {
      provisioner: env.SANDBOX_PROVISIONER,
      dockerHost: env.DOCKER_HOST,
      images: { postgres: env.SANDBOX_IMAGE_POSTGRES, mysql: env.SANDBOX_IMAGE_MYSQL, mssql: env.SANDBOX_IMAGE_MSSQL },
      attachContainer: env.SANDBOX_ATTACH_CONTAINER,
      readinessMs: env.SANDBOX_READINESS_MS,
      memoryMb: env.SANDBOX_MEMORY_MB,
      cpus: env.SANDBOX_CPUS,
      pids: env.SANDBOX_PIDS,
      templates: env.SANDBOX_TEMPLATES,
      templateIdleMs: env.SANDBOX_TEMPLATE_IDLE_MS,
      storageMb: env.SANDBOX_STORAGE_MB,
      storageReadMs: env.SANDBOX_STORAGE_READ_MS,
      tempFileMb: env.SANDBOX_TEMP_FILE_MB,
      pgCloneStrategy: env.SANDBOX_PG_CLONE_STRATEGY,
    },
    exams: {
      maxStudents: env.EXAM_MAX_STUDENTS,
      headroomPercent: env.EXAM_HEADROOM_PERCENT,
      ttlMs: env.EXAM_TTL_MS,
      prewarmJobs: env.EXAM_PREWARM_JOBS,
      prewarmConcurrency: env.EXAM_PREWARM_CONCURRENCY,
    },
    connections: {
      budget: env.CONNECTION_BUDGET,
      workers: env.CONNECTION_BUDGET_WORKERS,
      waitMs: env.CONNECTION_WAIT_MS,
      idleMs: env.CONNECTION_IDLE_MS,
    },
    sessionTtlMs: env.SESSION_TTL_MS,
    resultTtlMs: env.RESULT_TTL_MS,
    reaperIntervalMs: env.REAPER_INTERVAL_MS,
    worker: {
      concurrency: env.WORKER_CONCURRENCY,
      lockMs: env.WORKER_LOCK_MS,
      retryMs: env.WORKER_RETRY_MS,
      metricsPort: env.WORKER_METRICS_PORT,
      maxCrashes: env.WORKER_MAX_CRASHES,
    },
    rooms: { concurrency: env.ROOM_CONCURRENCY, priority: env.ROOM_PRIORITY },
    rateLimitPerMinute: env.RATE_LIMIT_PER_MINUTE,
    waitTimeoutMs: env.WAIT_TIMEOUT_MS,
    metrics: env.METRICS,
    limits: {
      queryTimeMs: { default: env.QUERY_TIMEOUT_MS, ceiling: env.QUERY_TIMEOUT_MAX_MS },
      rows: { default: env.MAX_ROWS, ceiling: env.MAX_ROWS_CEILING },
      resultBytes: { default: env.MAX_RESULT_BYTES, ceiling: env.MAX_RESULT_BYTES_CEILING },
      queryBytes: env.MAX_QUERY_BYTES,
      dbmlBytes: env.MAX_DBML_BYTES,
      bodyBytes: env.MAX_BODY_BYTES,
      sessionsPerClient: env.MAX_SESSIONS_PER_CLIENT,
      pendingPerSession: env.MAX_PENDING_PER_SESSION,
      backlog: env.MAX_BACKLOG,
    },
    opsToken: env.OPS_TOKEN,
    proctor: { tokenTtlMs: env.PROCTOR_TOKEN_TTL_MS, pushMs: Math.max(250, env.DASHBOARD_PUSH_MS) },
    audit: { retentionMs: env.AUDIT_RETENTION_MS, maxEntriesPerRoom: env.AUDIT_MAX_ENTRIES_PER_ROOM },
    reaperMetricsPort: env.REAPER_METRICS_PORT,
  };
}
