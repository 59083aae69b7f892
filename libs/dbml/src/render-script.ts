import type { CompiledSchema } from './compile-input.ts';

/** The SQL text a person reads (and the CLI prints): SQL Server batches end with a `GO` line. */
export function renderScript(compiled: CompiledSchema): string {
  if (compiled.engine === 'mssql') return compiled.batches.map((b) => `${b}\nGO\n`).join('\n');
  return compiled.batches.map((b) => `${b}\n`).join('\n');
}
