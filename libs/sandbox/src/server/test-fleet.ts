import { randomBytes } from 'node:crypto';
import { createLogger, type EngineName } from '@sqlfleet/core';
import { createEngines, type Engine, type EngineOptions } from '@sqlfleet/engines';
import { SandboxWatchdogLogins } from '../watchdog-logins.ts';
import { MysqlServerAdmin } from './mysql-server-admin.ts';
import { PostgresServerAdmin } from './postgres-server-admin.ts';
import type { ServerAdmin } from './server-admin.ts';
import { ServerProvisioner, type ServerProvisionerOptions } from './server-provisioner.ts';

/** For integration tests: a provisioner on this machine's servers under a fleet id of its own. */
export interface TestFleet {
  fleetId: string;
  provisioner: ServerProvisioner;
  engines: Map<EngineName, Engine>;
  /** The first provisioner's admins (to look at a sandbox from the admin side). */
  admins(): Partial<Record<EngineName, ServerAdmin>>;
  /** Another worker of the same fleet: its own admin connections, same servers (`extra` options its own). */
  secondWorker(extra?: Pick<ServerProvisionerOptions, 'saturated'>): ServerProvisioner;
  /** Destroys every sandbox the fleet made, then closes everything. */
  close(): Promise<void>;
}

const admins = (): Partial<Record<EngineName, ServerAdmin>> => ({
  postgres: new PostgresServerAdmin(),
  mysql: new MysqlServerAdmin(),
});

export function testFleet(engineOptions: EngineOptions = {}): TestFleet {
  const fleetId = `t${randomBytes(5).toString('hex')}`;
  const logger = createLogger({ name: 'test', level: 'silent' });
  // As deployed: the watchdog stops runaways as the servers' admins.
  const watchdog = new SandboxWatchdogLogins();
  watchdog.addServer('postgres', 'postgres://postgres@127.0.0.1:5432/postgres');
  watchdog.addServer('mysql', 'mysql://root@127.0.0.1:3306/mysql');
  const engines = createEngines(['postgres', 'mysql'], { watchdog, ...engineOptions });
  const own = admins();
  const provisioner = new ServerProvisioner({ fleetId, engines, admins: own, logger });
  const others: ServerProvisioner[] = [];
  return {
    fleetId,
    provisioner,
    engines,
    admins: () => own,
    secondWorker(extra = {}) {
      const other = new ServerProvisioner({ fleetId, engines, admins: admins(), logger, ...extra });
      others.push(other);
      return other;
    },
    async close() {
      // A few at a time: a test that made hundreds of sandboxes should not spend minutes removing them.
      const refs = await provisioner.list();
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          for (let ref = refs.pop(); ref; ref = refs.pop()) await provisioner.destroy(ref);
        }),
      );
      await Promise.all([provisioner.close(), ...others.map((o) => o.close())]);
      await Promise.all([...engines.values()].map((e) => e.close()));
    },
  };
}
