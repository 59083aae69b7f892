#!/usr/bin/env node
// sqlfleet runs TypeScript through tsx (no build step): register it, then hand over to the CLI.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import(new URL('../libs/dbml/src/cli.ts', import.meta.url).href);
process.exitCode = await runCli(process.argv.slice(2));
