/**
 * Bounded load generator: simulated students on Socket.IO against a running sqlfleet API.
 *   node --import tsx infra/loadgen/run.ts --url http://127.0.0.1:3000 --students 200 --duration 60 --engine postgres --think-ms 2000
 * Loopback only unless --allow-remote; students and duration are capped (see options.ts).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
// The same exam schema as the k6 scripts: one copy, plain JavaScript that k6 and Node both load.
import { EXAM_DBML, EXAM_QUERY } from '../k6/exam-schema.js';
import { OptionsError, parseOptions, USAGE } from './options.ts';
import { Recorder } from './recorder.ts';
import { Student } from './student.ts';
import { judge } from './verdict.ts';

if (process.argv.includes('--help')) {
  console.log(USAGE);
  process.exit(0);
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2), (path) => readFileSync(path, 'utf8'), EXAM_DBML, EXAM_QUERY);
} catch (error) {
  if (!(error instanceof OptionsError) && !(error instanceof TypeError)) throw error;
  console.error(`${error.message}\n\n${USAGE}`);
  process.exit(2);
}

const recorder = new Recorder();
let stopped = false;
process.on('SIGINT', () => {
  if (stopped) process.exit(130); // a second Ctrl-C: leave now, sessions stay until their TTL
  stopped = true;
  console.error('stopping: finishing queries in flight, then removing sessions (Ctrl-C again to leave now)');
});

const run = randomBytes(4).toString('hex');
// The exam-start scenario is one room filling up: its proctor dashboard shows it live.
if (options.scenario === 'exam-start' && options.room === undefined) options.room = `loadgen-${run}`;
const started = performance.now();
const until = started + options.durationS * 1000;
console.error(
  `loadgen ${run}: ${options.students} students on ${options.url.origin} (${options.engine}), ` +
    `${options.scenario === 'exam-start' ? 'arriving within' : 'ramp'} ${options.rampS} s, ${options.durationS} s, ` +
    `think ${options.thinkMs} ms${options.room ? `, room ${options.room}` : ''}`,
);
const progress = setInterval(() => console.error(recorder.progress()), 5_000);

const students = Array.from(
  { length: options.students },
  (_, i) => new Student(`loadgen-${run}-${i}`, options, recorder),
);
await Promise.all(
  students.map(async (student, i) => {
    // Spread arrivals evenly over the ramp: an exam room does not connect in one millisecond.
    await new Promise((resolve) => setTimeout(resolve, (i * options.rampS * 1000) / options.students));
    if (!stopped) await student.run(until, () => stopped);
  }),
);
const wallMs = performance.now() - started;
clearInterval(progress);
// Judged on what the students saw; a clean-up failure afterwards is reported, not judged.
const verdict = judge(
  {
    firstP95Ms: recorder.percentile('first', 95),
    steadyP95Ms: recorder.percentile('later', 95),
    errors: recorder.errorCount,
    results: recorder.results,
    recreated: recorder.recreated,
  },
  options.targets,
);

if (options.cleanup) {
  const sessions = students.map((s) => s.sessionId).filter((id): id is string => id !== undefined);
  await removeSessions(sessions);
  console.error(`removed ${sessions.length} sessions`);
}
console.log(recorder.summary(wallMs));
if (verdict) {
  console.log(verdict.lines.join('\n'));
  process.exitCode = verdict.pass ? 0 : 1;
}

/**
 * DELETE each session, one at a time: clean-up must not be a load spike of its own.
 */
async function removeSessions(ids: string[]): Promise<void> {
  for (const id of ids) {
    await fetch(new URL(`/api/session/${id}`, options.url), {
      method: 'DELETE',
      signal: AbortSignal.timeout(10_000),
    }).catch(() => recorder.error('CLEANUP_FAILED'));
  }
}
