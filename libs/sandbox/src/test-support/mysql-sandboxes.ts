import { randomBytes } from 'node:crypto';
import { createLogger, loadConfig } from '@sqlfleet/core';
import { closeRedis, connectRedis, FleetKeys } from '@sqlfleet/queue';
import { afterAll, beforeAll } from 'vitest';
import { dropFleetDatabases } from '../../../../test/support/databases.ts';
import { createSandboxes, type Sandboxes } from '../sandboxes.ts';

/**
 * A test file's own fleet on the machine's MariaDB (a fleet id of its own): its sandboxes are built in
 * `beforeAll`, and every sandbox and template the fleet made is removed in `afterAll`. `sandboxes()` is valid in tests.
 */
export function useMysqlSandboxes() {
  const logger = createLogger({ name: 'test', level: 'silent' });
  const config = loadConfig({ FLEET_ID: `t${randomBytes(5).toString('hex')}`, ENGINES: 'mysql' });
  const redis = connectRedis(config.redis, logger);
  let made: Sandboxes | undefined;
  beforeAll(async () => {
    made = await createSandboxes({ config, logger, redis, keys: new FleetKeys(config.fleetId) });
  });
  afterAll(async () => {
    const provisioner = made?.runtime.provisioners.get('mysql');
    for (const ref of (await provisioner?.list()) ?? []) await provisioner?.destroy(ref);
    await made?.close();
    await closeRedis(redis);
    // The schema templates too: no sandbox, so not in the provisioner's list, and no reaper of this fleet to sweep them.
    await dropFleetDatabases(config.fleetId);
  });
  const sandboxes = (): Sandboxes => {
    if (!made) throw new Error('the sandboxes are made in beforeAll');
    return made;
  };
  return { config, logger, redis, sandboxes };
}
