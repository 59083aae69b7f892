/** Command-line options of the load generator, with hard caps so a typo cannot run away. */
import { parseArgs } from 'node:util';

export const CAPS = {
  students: 1_000,
  durationS: 900,
  /** Below this a "student" is a flood, not a student. */
  minThinkMs: 100,
} as const;

export interface LoadOptions {
  url: URL;
  students: number;
  durationS: number;
  engine: 'postgres' | 'mysql' | 'mssql';
  thinkMs: number;
  /** Connections are spread over this many seconds, as students arrive over a few minutes. */
  rampS: number;
  query: string;
  dbml: string;
  /** A query with no result after this counts as NO_RESULT. */
  resultTimeoutMs: number;
  /** Remove every session made (DELETE /api/session/:id) at the end. */
  cleanup: boolean;
  scenario: 'steady' | 'exam-start';
  /** The exam room every student's queries name (the proctor dashboard shows it), if any. */
  room?: string;
  /** Targets the verdict is judged against; none given: no verdict. */
  targets: Targets;
}

export interface Targets {
  firstP95Ms?: number;
  steadyP95Ms?: number;
  /** Highest share of queries (0..1) that may end in an error of any code. */
  errorRate?: number;
}

export const USAGE = `usage: node --import tsx infra/loadgen/run.ts [options]
  --url URL            API base URL (default http://127.0.0.1:3000); a non-loopback host needs --allow-remote
  --students N         simulated students, each with its own Socket.IO connection and session (default 20, max ${CAPS.students})
  --duration S         seconds of load after the ramp starts (default 30, max ${CAPS.durationS})
  --engine NAME        postgres | mysql | mssql (default postgres)
  --think-ms MS        mean pause between a student's result and next query, jittered ±50% (default 2000, min ${CAPS.minThinkMs})
  --ramp S             seconds over which students connect (default: a quarter of the duration, at most 30)
  --query SQL          what students run (default: a join over the built-in exam schema)
  --dbml-file PATH     DBML every student submits once (default: built-in 3-table exam schema)
  --result-timeout-ms  wait for a result before counting NO_RESULT (default 30000)
  --keep-sessions      do not delete the sessions at the end
  --scenario NAME      steady (default) | exam-start: every student opens a session in one room within
                       --arrive-within seconds (default 10), then queries with think time
  --room NAME          exam room the students' queries name (exam-start default: loadgen-<run>)
  --arrive-within S    exam-start: seconds over which all students arrive (sets --ramp)
  --target-first-p95-ms MS   verdict: first answer (new session) p95 at most MS
  --target-steady-p95-ms MS  verdict: later answers p95 at most MS
  --target-error-rate R      verdict: at most this share of queries (0..1) ends in an error
                       With a target, the run ends with PASS or FAIL per target and exits 1 on a FAIL.
  --allow-remote       allow a non-loopback --url (you are load-testing a real deployment)`;

export class OptionsError extends Error {}

export function parseOptions(
  argv: readonly string[],
  readFile: (path: string) => string,
  defaultDbml: string,
  defaultQuery: string,
): LoadOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      students: { type: 'string', default: '20' },
      duration: { type: 'string', default: '30' },
      engine: { type: 'string', default: 'postgres' },
      'think-ms': { type: 'string', default: '2000' },
      ramp: { type: 'string' },
      query: { type: 'string', default: defaultQuery },
      'dbml-file': { type: 'string' },
      'result-timeout-ms': { type: 'string', default: '30000' },
      'keep-sessions': { type: 'boolean', default: false },
      scenario: { type: 'string', default: 'steady' },
      room: { type: 'string' },
      'arrive-within': { type: 'string' },
      'target-first-p95-ms': { type: 'string' },
      'target-steady-p95-ms': { type: 'string' },
      'target-error-rate': { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
    },
  });
  const url = new URL(values.url);
  if (!isLoopback(url.hostname) && !values['allow-remote']) {
    throw new OptionsError(`${url.hostname} is not loopback: add --allow-remote to load-test a remote deployment`);
  }
  const engine = values.engine;
  if (engine !== 'postgres' && engine !== 'mysql' && engine !== 'mssql')
    throw new OptionsError(`unknown engine ${engine}`);
  const durationS = bounded('duration', values.duration, 1, CAPS.durationS);
  const scenario = values.scenario;
  if (scenario !== 'steady' && scenario !== 'exam-start') throw new OptionsError(`unknown scenario ${scenario}`);
  if (values.room !== undefined && !/^[\w.:-]{1,64}$/.test(values.room)) {
    throw new OptionsError('--room: letters, digits, _ . : - (at most 64)');
  }
  const arriveWithin =
    values['arrive-within'] === undefined ? undefined : bounded('arrive-within', values['arrive-within'], 0, durationS);
  const rampS =
    scenario === 'exam-start'
      ? (arriveWithin ?? Math.min(10, durationS))
      : values.ramp === undefined
        ? Math.min(30, durationS / 4)
        : bounded('ramp', values.ramp, 0, durationS);
  const target = (name: string, max: number) => {
    const text = values[name as keyof typeof values] as string | undefined;
    return text === undefined ? undefined : bounded(name, text, 0, max);
  };
  const targets: Targets = {};
  const firstP95Ms = target('target-first-p95-ms', 600_000);
  const steadyP95Ms = target('target-steady-p95-ms', 600_000);
  const errorRate = target('target-error-rate', 1);
  if (firstP95Ms !== undefined) targets.firstP95Ms = firstP95Ms;
  if (steadyP95Ms !== undefined) targets.steadyP95Ms = steadyP95Ms;
  if (errorRate !== undefined) targets.errorRate = errorRate;
  return {
    url,
    students: bounded('students', values.students, 1, CAPS.students),
    durationS,
    engine,
    thinkMs: bounded('think-ms', values['think-ms'], CAPS.minThinkMs, 600_000),
    rampS,
    query: values.query,
    dbml: values['dbml-file'] ? readFile(values['dbml-file']) : defaultDbml,
    resultTimeoutMs: bounded('result-timeout-ms', values['result-timeout-ms'], 1_000, 120_000),
    cleanup: !values['keep-sessions'],
    scenario,
    ...(values.room === undefined ? {} : { room: values.room }),
    targets,
  };
}

function bounded(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new OptionsError(`--${name} must be a number from ${min} to ${max} (got ${text})`);
  }
  return value;
}

function isLoopback(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || hostname === '::1' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
  );
}
