import type Docker from 'dockerode';
import { type Probe, waitFor } from './readiness.ts';
import type { SandboxDocker } from './sandbox-docker.ts';

/**
 * Met when the container runs; fails at once, with its last log lines, when it has stopped.
 * Until `appearBy` a missing container counts as not there yet: a name can be refused as taken while
 * the container another worker is creating is not yet visible to inspect (seen once under load with
 * Podman, as "the container was removed while starting" in the concurrent-ensure test).
 */
export function runningProbe(api: SandboxDocker, name: string, appearBy = 0): Probe {
  return {
    name: 'the container runs',
    check: async () => {
      const info = await api.inspectContainer(name);
      if (!info && Date.now() < appearBy) return false;
      if (!info) throw new Error('the container was removed while starting');
      if (info.State.Running) return true;
      if (!['exited', 'dead', 'stopped'].includes(info.State.Status)) return false;
      const logs = await api.logTail(name).catch(() => '(no logs)');
      throw new Error(`the container stopped (exit code ${info.State.ExitCode}): ${logs}`);
    },
  };
}

/** Met once the container's recent output holds the line its server writes when ready. */
export function logLineProbe(api: SandboxDocker, name: string, line: RegExp): Probe {
  return { name: `the server logs ${line.source}`, check: async () => line.test(await api.logTail(name, 200)) };
}

/** The container once it runs (and so has its address); undefined if it is gone. `appearBy`: see runningProbe. */
export async function untilStarted(
  api: SandboxDocker,
  name: string,
  deadline: number,
  appearBy = 0,
): Promise<Docker.ContainerInspectInfo | undefined> {
  await waitFor([runningProbe(api, name, appearBy)], { timeoutMs: Math.max(0, deadline - Date.now()) });
  return api.inspectContainer(name);
}
