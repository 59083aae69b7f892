/** Looks at and removes the containers and networks a fleet made through the Docker API (Podman here). */
import Docker from 'dockerode';

export const PODMAN_HOST = 'unix:///run/sqlfleet/podman.sock';
const docker = new Docker({ socketPath: PODMAN_HOST.slice('unix://'.length) });
const fleetFilter = (fleetId: string) => ({ label: [`sqlfleet.fleet=${fleetId}`] });

/** True when the API answers and both sandbox images exist (scripts/podman/setup.sh, build-local-images.sh). */
export async function containerApiAvailable(): Promise<boolean> {
  try {
    await docker.ping();
    await docker.getImage('localhost/sqlfleet/postgres:15').inspect();
    await docker.getImage('localhost/sqlfleet/mariadb:10.11').inspect();
    return true;
  } catch {
    return false;
  }
}

export function fleetContainers(fleetId: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: fleetFilter(fleetId) });
}

export function fleetNetworks(fleetId: string): Promise<Docker.NetworkInspectInfo[]> {
  return docker.listNetworks({ filters: fleetFilter(fleetId) });
}

export function container(id: string): Docker.Container {
  return docker.getContainer(id);
}

/** Removes every container (with its volumes) and network labelled with the fleet id. */
export async function removeFleetContainers(fleetId: string): Promise<void> {
  for (const c of await fleetContainers(fleetId)) await docker.getContainer(c.Id).remove({ force: true, v: true });
  for (const n of await fleetNetworks(fleetId)) await docker.getNetwork(n.Id).remove();
}
