import type { EngineName } from '@sqlfleet/core';
import type { SampleData } from './sample-data.ts';

export interface CompileInput {
  engine: EngineName;
  /** DBML, Records included; absent or blank means an empty sandbox. */
  dbml?: string;
  /** Rows added after the DBML Records rows of each table. Checked against the schema. */
  data?: SampleData;
}

export interface CompiledSchema {
  engine: EngineName;
  /**
   * Applied in order. PostgreSQL and MySQL batches hold several `;`-separated statements;
   * a SQL Server batch is what sits between two `GO` lines.
   */
  batches: string[];
  fingerprint: string;
}
