import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { QueryOutcome, SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName } from '@sqlfleet/core';
import type { Sandbox } from '../provisioner.ts';
import { type TestFleet, testFleet } from '../server/test-fleet.ts';

/** Two sandboxes of one fleet: the attacker's and a neighbour's whose data must stay out of reach. */
export interface HostileFixture {
  fleet: TestFleet;
  attacker: Sandbox;
  neighbour: Sandbox;
  run(sql: string, target?: SandboxTarget, timeoutMs?: number): Promise<QueryOutcome>;
  /** A path in /tmp that no test has written: a hostile statement that creates it escaped. */
  marker(): string;
  close(): Promise<void>;
}

const LIMITS = { timeoutMs: 5_000, maxRows: 1_000, maxBytes: 1_000_000 };

export async function hostileFixture(engine: EngineName): Promise<HostileFixture> {
  const fleet = testFleet();
  const batches = [
    'CREATE TABLE items (id int PRIMARY KEY, secret varchar(40))',
    "INSERT INTO items VALUES (1, 'neighbour-secret')",
    'CREATE TABLE f (line text)',
  ];
  const make = async () =>
    (await fleet.provisioner.ensure({ sessionId: randomUUID(), engine, fingerprint: 'hostile', batches })).sandbox;
  const attacker = await make();
  const neighbour = await make();
  const markers: string[] = [];
  return {
    fleet,
    attacker,
    neighbour,
    run: (sql, target = attacker.target, timeoutMs = LIMITS.timeoutMs) => {
      const e = fleet.engines.get(engine);
      if (!e) throw new Error(`no ${engine} engine`);
      return e.execute(target, sql, { ...LIMITS, timeoutMs });
    },
    marker() {
      const path = `/tmp/sqlfleet-hostile-${randomBytes(6).toString('hex')}`;
      if (existsSync(path)) throw new Error(`${path} exists already`);
      markers.push(path);
      return path;
    },
    close: () => fleet.close(),
  };
}
