// Worker-thread entry of SchemaCompiler: register tsx (a thread does not inherit the process's
// loaders), then run the TypeScript thread body.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./compile-thread.ts', import.meta.url).href);
