import { describe, expect, it } from 'vitest';
import { dockerOptions } from './docker-client.ts';
import { isEngineDown, isNameConflict } from './docker-errors.ts';

describe('dockerOptions', () => {
  it('reads DOCKER_HOST the way the docker CLI does', () => {
    expect(dockerOptions('')).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerOptions('unix:///run/sqlfleet/podman.sock')).toEqual({ socketPath: '/run/sqlfleet/podman.sock' });
    expect(dockerOptions('tcp://10.0.0.5:2376')).toEqual({ protocol: 'http', host: '10.0.0.5', port: 2376 });
  });

  it('refuses a value it cannot read instead of guessing', () => {
    expect(() => dockerOptions('ssh://box')).toThrow(/DOCKER_HOST/);
  });
});

describe('container engine errors', () => {
  const api = (statusCode: number, message: string) => Object.assign(new Error(message), { statusCode });

  it('treats Docker 409 and Podman 500 "already in use" as a name conflict, not as the engine being down', () => {
    const podman = api(500, '(HTTP code 500) server error - the container name "x" is already in use by 0fa2');
    expect(isNameConflict(api(409, 'Conflict'))).toBe(true);
    expect(isNameConflict(podman)).toBe(true);
    expect(isEngineDown(podman)).toBe(false);
  });

  it('counts an unreachable socket and other 5xx as the engine being down, not a 404', () => {
    expect(isEngineDown(Object.assign(new Error('connect ENOENT /x.sock'), { code: 'ENOENT' }))).toBe(true);
    expect(isEngineDown(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isEngineDown(api(500, 'server error - runtime crashed'))).toBe(true);
    expect(isEngineDown(api(404, 'no such container'))).toBe(false);
  });
});
