import type { EngineName } from '@sqlfleet/core';
import type { Engine } from '@sqlfleet/engines';
import { ENGINE_IMAGES, type EngineImage } from './container-spec.ts';

/** What a sandbox of one engine is made with: the engine, and its image's contract and reference. */
export interface SandboxParts {
  engine: Engine;
  image: EngineImage & { image: string };
}

/** The engine's parts, or undefined when the engine, its image contract or its image is missing. */
export function sandboxParts(
  engines: ReadonlyMap<EngineName, Engine>,
  images: Partial<Record<EngineName, string>>,
  name: EngineName,
): SandboxParts | undefined {
  const engine = engines.get(name);
  const contract = ENGINE_IMAGES[name];
  const image = images[name];
  return engine && contract && image ? { engine, image: { ...contract, image } } : undefined;
}
