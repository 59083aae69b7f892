/** For the container suites: the Docker API under test, whether it can run them, and clean-up by fleet. */
import { createDockerClient } from './docker-client.ts';

export const DOCKER_HOST = process.env.DOCKER_HOST || 'unix:///run/sqlfleet/podman.sock';
export const IMAGES = { postgres: 'localhost/sqlfleet/postgres:15', mysql: 'localhost/sqlfleet/mariadb:10.11' };
export const docker = createDockerClient(DOCKER_HOST);

/** True when the API answers and both sandbox images exist (scripts/podman/setup.sh, build-local-images.sh). */
export const dockerAvailable = (): Promise<boolean> =>
  docker
    .ping()
    .then(
      () => Promise.all(Object.values(IMAGES).map((i) => docker.getImage(i).inspect())).then(() => true),
      () => false,
    )
    .catch(() => false);

/** True when the call fails with 404: the container or network is gone. */
export const gone = (call: Promise<unknown>): Promise<boolean> =>
  call.then(
    () => false,
    (e: { statusCode?: number }) => e.statusCode === 404,
  );

/** Removes every container and network labelled with the fleet. */
export async function removeFleet(fleet: string): Promise<void> {
  const filters = { label: [`sqlfleet.fleet=${fleet}`] };
  for (const c of await docker.listContainers({ all: true, filters })) {
    await docker.getContainer(c.Id).remove({ force: true, v: true });
  }
  for (const n of await docker.listNetworks({ filters })) await docker.getNetwork(n.Id).remove();
}
