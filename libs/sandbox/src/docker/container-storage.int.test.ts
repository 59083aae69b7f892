/**
 * Issue 10 item 6 on the docker provisioner: a sandbox container's database past SANDBOX_STORAGE_MB takes no
 * more writes (STORAGE_FULL), as on a shared server, until the student removes data; the container's own
 * writable layer has no quota on this host, so without it a student could fill the host's disk.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { QueryOutcome } from '@sqlfleet/contracts';
import { createLogger } from '@sqlfleet/core';
import { createEngines } from '@sqlfleet/engines';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { STORAGE_FULL } from '../server/storage-cap.ts';
import { DockerProvisioner } from './docker-provisioner.ts';
import { docker, dockerAvailable, IMAGES, removeFleet } from './test-support.ts';

const available = await dockerAvailable();
const fleetId = `t${randomBytes(5).toString('hex')}`;
const engines = createEngines(['postgres', 'mysql']);
const limits = { timeoutMs: 30_000, maxRows: 100, maxBytes: 1_000_000 };
const MB = 1024 * 1024;
const provisioner = new DockerProvisioner({
  fleetId,
  docker,
  engines,
  images: IMAGES,
  storageCapBytes: 20 * MB,
  logger: createLogger({ name: 'test', level: 'silent' }),
});

afterAll(async () => {
  await provisioner.close();
  if (available) await removeFleet(fleetId);
  await Promise.all([...engines.values()].map((e) => e.close()));
}, 60_000);

const codeOf = (o: QueryOutcome): string | undefined => (o.kind === 'ok' ? undefined : o.error.code);
const FILL = {
  postgres: "INSERT INTO t SELECT g, repeat('x', 500) FROM generate_series(1, 60000) g",
  mysql: "INSERT INTO t SELECT seq, repeat('x', 500) FROM seq_1_to_60000",
};
const EMPTY = { postgres: 'TRUNCATE t', mysql: 'DROP TABLE t' };

describe.skipIf(!available)('storage cap in sandbox containers (run scripts/podman/setup.sh)', () => {
  describe.each(['postgres', 'mysql'] as const)('%s', (engine) => {
    it('refuses writes past the cap with STORAGE_FULL, and takes them again once data is gone', {
      timeout: 180_000,
    }, async () => {
      const { sandbox } = await provisioner.ensure({
        sessionId: randomUUID(),
        engine,
        fingerprint: 'cap',
        batches: ['CREATE TABLE t (id int, pad text)'],
      });
      const eng = engines.get(engine);
      if (!eng) throw new Error('no engine');
      const run = async (sql: string) =>
        provisioner.enforceStorage(sandbox, await eng.execute(sandbox.target, sql, limits));

      expect(await run('INSERT INTO t VALUES (1, null)')).toMatchObject({ kind: 'ok' });
      expect(await run(FILL[engine])).toMatchObject({ kind: 'ok' });
      const refused = await run('INSERT INTO t VALUES (2, null)');
      expect(codeOf(refused), JSON.stringify(refused)).toBe(STORAGE_FULL);
      expect(codeOf(await run('CREATE TABLE more (id int)'))).toBe(STORAGE_FULL);
      expect(await run('SELECT count(*) FROM t')).toMatchObject({ kind: 'ok', results: [{ rows: [['60001']] }] });

      expect(await run(EMPTY[engine])).toMatchObject({ kind: 'ok' });
      expect(await run('CREATE TABLE again (id int); INSERT INTO again VALUES (1)')).toMatchObject({ kind: 'ok' });
    });

    it('does not look into a container it has just seeded until a query writes', { timeout: 180_000 }, async () => {
      const reader = new DockerProvisioner({
        fleetId,
        docker,
        engines,
        images: IMAGES,
        storageCapBytes: 20 * MB,
        storageReadBudgetMs: 60_000,
        logger: createLogger({ name: 'test', level: 'silent' }),
      });
      try {
        const { sandbox } = await reader.ensure({
          sessionId: randomUUID(),
          engine,
          fingerprint: 'fresh',
          batches: ['CREATE TABLE t (id int, pad text)'],
        });
        const eng = engines.get(engine);
        if (!eng) throw new Error('no engine');
        const run = async (sql: string) =>
          reader.enforceStorage(sandbox, await eng.execute(sandbox.target, sql, limits));
        // A measure goes through the container's admin, whose address and password its inspect gives.
        const looked = vi.spyOn(docker, 'getContainer');
        const lookedAtSandbox = () => looked.mock.calls.filter(([id]) => id === sandbox.id).length;
        expect(await run('SELECT count(*) FROM t')).toMatchObject({ kind: 'ok' });
        expect(lookedAtSandbox()).toBe(0);
        expect(await run('INSERT INTO t VALUES (1, null)')).toMatchObject({ kind: 'ok' });
        expect(lookedAtSandbox()).toBe(1);
        looked.mockRestore();
      } finally {
        await reader.close();
      }
    });
  });
});
