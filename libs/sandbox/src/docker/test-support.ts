/** For the container suites: the Docker API under test, whether it can run them, and clean-up by fleet. */
import type Docker from 'dockerode';
import { createDockerClient } from './docker-client.ts';

export const DOCKER_HOST = process.env.DOCKER_HOST || 'unix:///run/sqlfleet/podman.sock';
export const IMAGES = { postgres: 'localhost/sqlfleet/postgres:15', mysql: 'localhost/sqlfleet/mariadb:10.11' };
export const docker = createDockerClient(DOCKER_HOST);

/**
 * True when the API answers and both sandbox images exist (scripts/podman/setup.sh, build-local-images.sh).
 * Where containers are required (.ci/run sets SQLFLEET_REQUIRE_CONTAINERS), a missing API or image fails
 * the suite instead of skipping it.
 */
export async function dockerAvailable(): Promise<boolean> {
  const problem = await docker
    .ping()
    .then(() => Promise.all(Object.values(IMAGES).map((i) => docker.getImage(i).inspect())))
    .then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
  if (problem && process.env.SQLFLEET_REQUIRE_CONTAINERS) {
    throw new Error(`containers are required here but the Docker API at ${DOCKER_HOST} fails: ${problem}`);
  }
  return problem === undefined;
}

/** True when the call fails with 404: the container or network is gone. */
export const gone = (call: Promise<unknown>): Promise<boolean> =>
  call.then(
    () => false,
    (e: { statusCode?: number }) => e.statusCode === 404,
  );

const fleetFilter = (fleet: string) => ({ label: [`sqlfleet.fleet=${fleet}`] });

export function fleetContainers(fleet: string): Promise<Docker.ContainerInfo[]> {
  return docker.listContainers({ all: true, filters: fleetFilter(fleet) });
}

/** Removes every container (with its volumes) and network labelled with the fleet. */
export async function removeFleet(fleet: string): Promise<void> {
  for (const c of await fleetContainers(fleet)) await docker.getContainer(c.Id).remove({ force: true, v: true });
  for (const n of await docker.listNetworks({ filters: fleetFilter(fleet) })) await docker.getNetwork(n.Id).remove();
}
