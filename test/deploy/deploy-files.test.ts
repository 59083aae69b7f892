/**
 * The deploy files, checked without a cluster or a Docker daemon and without any download:
 * every Kubernetes manifest in k8s/ against the Kubernetes API schemas (kubernetes-models, KEDA's
 * ScaledObject CRD from @kubernetes-models/keda), the compose files against the Compose
 * Specification's JSON schema (vendored in infra/schemas/), and Redis configured in both to keep
 * what it accepted across a restart (append-only file on a persistent volume).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const documentsOf = (path: string) =>
  parseAllDocuments(read(path), { merge: true })
    .map((doc) => doc.toJS() as Record<string, unknown> | null)
    .filter((doc): doc is Record<string, unknown> => doc !== null);

type Models = Record<string, new (data: unknown) => { validate(): void }>;
/** apiVersion → the module of kubernetes-models holding its kinds (a version not listed fails the test). */
const MODELS: Record<string, () => Promise<unknown>> = {
  v1: () => import('kubernetes-models/v1'),
  'apps/v1': () => import('kubernetes-models/apps/v1'),
  'autoscaling/v2': () => import('kubernetes-models/autoscaling/v2'),
  'networking.k8s.io/v1': () => import('kubernetes-models/networking.k8s.io/v1'),
  'policy/v1': () => import('kubernetes-models/policy/v1'),
  'keda.sh/v1alpha1': () => import('@kubernetes-models/keda/keda.sh/v1alpha1'),
};
async function modelsOf(apiVersion: string): Promise<Models> {
  const load = MODELS[apiVersion];
  if (!load) throw new Error(`no schemas loaded for apiVersion ${apiVersion}: add its kubernetes-models module`);
  return (await load()) as Models;
}

describe('Kubernetes manifests', () => {
  const files = readdirSync(new URL('k8s/', root)).filter((name) => name.endsWith('.yaml'));
  const manifests = files
    .filter((name) => name !== 'kustomization.yaml')
    .flatMap((name) => documentsOf(`k8s/${name}`).map((doc, i) => ({ name: `${name}#${i}`, doc })));

  it('are all found, and the kustomization lists only files that exist', () => {
    expect(manifests.length).toBeGreaterThan(20);
    const kustomization = documentsOf('k8s/kustomization.yaml')[0] as { resources: string[] };
    for (const resource of kustomization.resources) expect(files).toContain(resource);
  });

  it.each(files.filter((name) => name !== 'kustomization.yaml'))(
    '%s validates against the Kubernetes schemas',
    async (file) => {
      for (const doc of documentsOf(`k8s/${file}`)) {
        const { apiVersion, kind } = doc as { apiVersion: string; kind: string };
        const Model = (await modelsOf(apiVersion))[kind];
        expect(Model, `${file}: no schema for ${apiVersion} ${kind}`).toBeDefined();
        expect(() => new (Model as NonNullable<typeof Model>)(doc).validate(), `${file}: ${kind}`).not.toThrow();
      }
    },
  );

  it('rejects a manifest that breaks the schema (the check can fail)', async () => {
    const worker = documentsOf('k8s/worker.yaml').find((doc) => doc.kind === 'Deployment') as {
      spec: { replicas?: unknown };
    };
    const { Deployment } = await import('kubernetes-models/apps/v1');
    expect(() => new Deployment({ ...worker, spec: { ...worker.spec, replicas: 'two' } } as never).validate()).toThrow(
      /replicas must be integer/,
    );
    const keda = documentsOf('k8s/worker-keda.yaml').find((doc) => doc.kind === 'ScaledObject') as {
      spec: Record<string, unknown>;
    };
    const { ScaledObject } = await import('@kubernetes-models/keda/keda.sh/v1alpha1');
    expect(() =>
      new ScaledObject({ ...keda, spec: { ...keda.spec, maxReplicaCount: 'many' } } as never).validate(),
    ).toThrow(/maxReplicaCount/);
  });

  it('run Redis with its append-only file on a persistent volume', () => {
    const redis = documentsOf('k8s/redis.yaml').find((doc) => doc.kind === 'StatefulSet') as {
      spec: {
        template: { spec: { containers: { args: string[]; volumeMounts: { mountPath: string }[] }[] } };
        volumeClaimTemplates: unknown[];
      };
    };
    const container = redis.spec.template.spec.containers[0];
    const args = container?.args.join(' ') ?? '';
    expect(args).toContain('--appendonly yes');
    expect(args).toContain('--dir /data');
    expect(container?.volumeMounts.map((m) => m.mountPath)).toContain('/data');
    expect(redis.spec.volumeClaimTemplates.length).toBe(1);
  });
});

/** Compose's own interpolation of `${VAR:-default}` and friends, with an empty environment. */
function interpolate(text: string): string {
  // `$$` is a literal dollar; every other `${…}` takes its default (or nothing).
  return text
    .split('$$')
    .map((part) =>
      part.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (_all, _name, op, value) =>
        op === ':-' || op === '-' ? value : '',
      ),
    )
    .join('$');
}

describe('Compose files', () => {
  const ajv = new Ajv({ allErrors: true, strict: false });
  // The schema names draft-07 by its https address, which Ajv knows as http: its meta-schema is Ajv's own.
  const { $schema: _draft, ...schema } = JSON.parse(read('infra/schemas/compose-spec.json'));
  const validate = ajv.compile(schema);
  const composeOf = (file: string) => parseAllDocuments(interpolate(read(file)), { merge: true })[0]?.toJS();

  it.each(['docker-compose.yml', 'docker-compose.containers.yml'])(
    '%s validates against the Compose Specification',
    (file) => {
      const valid = validate(composeOf(file));
      expect(validate.errors ?? [], file).toEqual([]);
      expect(valid).toBe(true);
    },
  );

  it('rejects a compose file that breaks the schema (the check can fail)', () => {
    const compose = composeOf('docker-compose.yml') as { services: Record<string, Record<string, unknown>> };
    compose.services.api = { ...compose.services.api, restart: { policy: 'always' } };
    expect(validate(compose)).toBe(false);
  });

  it('runs Redis with its append-only file on a named volume', () => {
    const { services, volumes } = composeOf('docker-compose.yml') as {
      services: { redis: { command: string[]; volumes: string[] } };
      volumes: Record<string, unknown>;
    };
    expect(services.redis.command.join(' ')).toContain('--appendonly yes');
    expect(services.redis.volumes).toContain('redis-data:/data');
    expect(volumes).toHaveProperty('redis-data');
  });
});
