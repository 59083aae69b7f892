import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { ENGINE_NAMES, type EngineName, isAppError } from '@sqlfleet/core';
import { compileSchema } from './compile-schema.ts';
import { renderScript } from './render-script.ts';

export const USAGE = `usage: sqlfleet ddl --engine ${ENGINE_NAMES.join('|')} FILE.dbml [--data FILE.json]

Prints the DDL and seed SQL a sandbox of that engine is built from.

options:
  -e, --engine   target engine (${ENGINE_NAMES.join(', ')})
  -d, --data     JSON sample data: { "table": [ { "column": value } ] }
  -h, --help     show this help`;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readFile: (path: string) => Promise<string>;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => readFile(path, 'utf8'),
};

class UsageError extends Error {}

/** Runs `sqlfleet <args>`; returns the exit code: 0 done, 1 bad input, 2 bad usage. */
export async function runCli(args: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const options = parseOptions(args);
    if (options === 'help') {
      io.stdout(`${USAGE}\n`);
      return 0;
    }
    const dbml = await readInput(io, options.file);
    const data = options.data === undefined ? undefined : parseJson(await readInput(io, options.data), options.data);
    io.stdout(renderScript(compileSchema({ engine: options.engine, dbml, data })));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`error: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    io.stderr(`error: ${describe(error)}\n`);
    return 1;
  }
}

function parseOptions(args: string[]): 'help' | { engine: EngineName; file: string; data: string | undefined } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(args);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [command, file, ...rest] = positionals;
  if (command !== 'ddl') throw new UsageError(command ? `unknown command "${command}"` : 'missing command');
  if (!file) throw new UsageError('missing FILE.dbml');
  if (rest.length > 0) throw new UsageError(`unexpected argument "${rest[0]}"`);
  const engine = values.engine;
  if (!engine) throw new UsageError('missing --engine');
  if (!(ENGINE_NAMES as readonly string[]).includes(engine)) throw new UsageError(`unknown engine "${engine}"`);
  return { engine: engine as EngineName, file, data: values.data };
}

function parse(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      engine: { type: 'string', short: 'e' },
      data: { type: 'string', short: 'd' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

async function readInput(io: CliIo, path: string): Promise<string> {
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new Error(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseJson(text: string, path: string): Record<string, Array<Record<string, unknown>>> {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function describe(error: unknown): string {
  if (!isAppError(error)) return error instanceof Error ? error.message : String(error);
  const { line, column } = error.details;
  return typeof line === 'number' ? `${error.message} (${line}:${column})` : error.message;
}
