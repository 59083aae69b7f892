/**
 * `npm run load -- --scenario exam-start` against a real fleet: students open sessions in one
 * room within a few seconds, then query with think time; the run prints first and steady
 * percentiles, errors by code and a verdict against the targets given (exit 1 on a FAIL), and
 * the room's audit trail holds the queries it sent.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Fleet, startFleet } from '../support/fleet.ts';
import { until } from '../support/until.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const OPS = 'ops-secret-for-loadgen-tests-7';
let fleet: Fleet;

beforeAll(async () => {
  fleet = await startFleet({ workers: 1, env: { OPS_TOKEN: OPS } });
}, 90_000);
afterAll(async () => {
  await fleet?.stop();
}, 90_000);

function load(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', 'load', '--', ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('the exam-start rehearsal', () => {
  it('fills one room, reports first and steady answers and judges them against the targets', {
    timeout: 90_000,
  }, async () => {
    const room = `rehearsal-${Date.now()}`;
    const run = await load([
      '--url',
      fleet.url,
      '--scenario',
      'exam-start',
      '--room',
      room,
      '--students',
      '4',
      '--arrive-within',
      '2',
      '--duration',
      '25',
      '--think-ms',
      '300',
      '--target-error-rate',
      '0',
      '--target-steady-p95-ms',
      '600000',
      '--target-first-p95-ms',
      '0',
    ]);
    expect(run.stderr).toContain(`room ${room}`);
    expect(run.stdout).toMatch(/first \(new sandbox\)\s+n=4 /);
    expect(run.stdout).toMatch(/later \(existing\)\s+n=\d+ /);
    expect(run.stdout).toContain('verdict: FAIL');
    expect(run.stdout).toMatch(/PASS error rate: 0\.00%/);
    expect(run.stdout).toContain('sandboxes rebuilt under a student (answers with sandbox "recreated"): 0');
    expect(run.stdout).toMatch(/PASS sandboxes rebuilt under a student: 0/);
    expect(run.stdout).toMatch(/PASS steady answer p95: \d+ ms/);
    expect(run.stdout).toMatch(/FAIL first answer p95: \d+ ms \(target ≤ 0 ms\)/);
    expect(run.code).toBe(1);

    const later = Number(/later \(existing\)\s+n=(\d+)/.exec(run.stdout)?.[1]);
    // Workers write audit entries in batches (every 100 ms): the last answers' entries follow them shortly.
    const entries = await until(
      async () =>
        (await (
          await fetch(`${fleet.url}/api/rooms/${room}/audit`, { headers: { authorization: `Bearer ${OPS}` } })
        ).json()) as { sessionId: string; outcome: string }[],
      (found) => found.length >= 4 + later,
    );
    expect(entries).toHaveLength(4 + later);
    expect(new Set(entries.map((e) => e.sessionId)).size).toBe(4);
    expect(entries.every((e) => e.outcome === 'ok')).toBe(true);
  });

  it('refuses options it cannot honour', async () => {
    const run = await load(['--url', fleet.url, '--scenario', 'exam-begin']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown scenario exam-begin');
  });

  it('logs no warning over and over: repeats are folded', () => {
    expect(fleet.repeatedWarnings(), fleet.faults()).toEqual([]);
  });
});
