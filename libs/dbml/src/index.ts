export type { CompiledSchema, CompileInput } from './compile-input.ts';
export { compileSchema } from './compile-schema.ts';
export { fingerprintOf } from './fingerprint.ts';
export { renderScript } from './render-script.ts';
export type { SampleData } from './sample-data.ts';
export { SchemaCompiler, type SchemaCompilerOptions } from './schema-compiler.ts';
