/** Looks at and removes the containers and networks a fleet made through the Docker API (Podman here). */
import type Docker from 'dockerode';
import {
  DOCKER_HOST,
  docker,
  dockerAvailable,
  fleetContainers,
  removeFleet,
} from '../../libs/sandbox/src/docker/test-support.ts';

export const PODMAN_HOST = DOCKER_HOST;
export { dockerAvailable as containerApiAvailable, fleetContainers, removeFleet as removeFleetContainers };

export function container(id: string): Docker.Container {
  return docker.getContainer(id);
}
