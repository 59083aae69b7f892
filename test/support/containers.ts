/** Looks at and removes the containers and networks a fleet made through the Docker API (Podman here). */
import type Docker from 'dockerode';
import {
  DOCKER_HOST,
  docker,
  dockerAvailable,
  fleetContainers,
  removeFleet,
} from '../../libs/sandbox/src/docker/test-support.ts';
import { type Fleet, type FleetOptions, startFleet } from './fleet.ts';

export const PODMAN_HOST = DOCKER_HOST;
export { dockerAvailable as containerApiAvailable, fleetContainers, removeFleet as removeFleetContainers };

export function container(id: string): Docker.Container {
  return docker.getContainer(id);
}

/** A fleet on the docker provisioner (Podman here); its `stop()` also removes the containers and networks it made. */
export async function startContainerFleet(options: FleetOptions): Promise<Fleet> {
  const fleet = await startFleet({
    ...options,
    env: { SANDBOX_PROVISIONER: 'docker', DOCKER_HOST: PODMAN_HOST, ...options.env },
  });
  return {
    ...fleet,
    async stop() {
      await fleet.stop();
      await removeFleet(fleet.fleetId);
    },
  };
}
