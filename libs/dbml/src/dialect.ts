import type { SchemaModel, SeedTable } from './model.ts';

/** Writes a schema and its seed rows as the batches one engine applies in order. */
export type Dialect = (model: SchemaModel, seeds: SeedTable[]) => string[];
