import Docker from 'dockerode';

const DEFAULT_SOCKET = '/var/run/docker.sock';

/**
 * dockerode options from a DOCKER_HOST value, as the docker CLI reads it:
 * `unix:///path` → that socket, `tcp://host:port` → plain HTTP to it, empty → the default socket.
 */
export function dockerOptions(dockerHost: string): Docker.DockerOptions {
  const value = dockerHost.trim();
  if (value === '') return { socketPath: DEFAULT_SOCKET };
  if (value.startsWith('unix://')) return { socketPath: value.slice('unix://'.length) || DEFAULT_SOCKET };
  if (value.startsWith('tcp://') || value.startsWith('http://')) {
    const url = new URL(value.replace(/^tcp:/, 'http:'));
    return { protocol: 'http', host: url.hostname, port: Number(url.port || 2375) };
  }
  throw new Error(`DOCKER_HOST must be unix:///path or tcp://host:port: got ${JSON.stringify(dockerHost)}`);
}

/**
 * Longest silence on one API call before it is cut (and counted by the circuit breaker): sandbox calls
 * answer in well under a second, so a daemon silent this long is stuck, not busy.
 */
const API_TIMEOUT_MS = 30_000;

export function createDockerClient(dockerHost: string): Docker {
  return new Docker({ ...dockerOptions(dockerHost), timeout: API_TIMEOUT_MS });
}
