import type { Column, ResultSet } from '@sqlfleet/contracts';
import type { ClientBase, Connection, QueryResult } from 'pg';
import Cursor from 'pg-cursor';
import { type ByteBudget, ResultBuilder, rowTextLength } from '../result-builder.ts';
import { UnsupportedStatement } from '../script-runner.ts';
import { POSTGRES_TYPES } from './postgres-types.ts';
import type { TypeNames } from './type-names.ts';

const BATCH_ROWS = 500;
/**
 * Text a batch may hold past the script's remaining byte budget. A row's text is never much longer than
 * its JSON (values come back as the database's text), so rows past twice the budget could never be kept:
 * they are counted and dropped as they arrive instead of held until the batch ends.
 */
const KEEP_SLACK_BYTES = 64 * 1024;
/**
 * Dropped text past which the statement is stopped rather than read to the batch's end: 500 rows of
 * 100 MB each took a worker past its heap and down, and reading them unkept still costs the time limit.
 */
const STOP_PAST_DROPPED_BYTES = 64 * 1024 * 1024;

/**
 * A cursor that keeps the full command tag (`CREATE TABLE`, not just `CREATE`) and refuses COPY
 * to or from the client. pg-cursor has no COPY handlers: pg calls them on the cursor anyway, and
 * the TypeError thrown from the socket's data handler killed the process (issue 10).
 */
class TaggedCursor extends Cursor<unknown[]> {
  commandTag?: string;
  /** Rows of the current batch dropped unread past `keepUpTo` (see KEEP_SLACK_BYTES). */
  droppedRows = 0;
  private droppedBytes = 0;
  private keptBytes = 0;
  private keepUpTo = Number.POSITIVE_INFINITY;
  /** Why the statement was refused, once the server asked for a COPY. */
  refused?: string;
  /**
   * Rejects with the server's refusal to commit the statement (a deferred constraint) at the Sync sent
   * after its CommandComplete. pg-cursor drops an error that comes once its portal is closed, and pg no
   * longer hands it the ReadyForQuery after an error: its read would wait until the time limit.
   */
  readonly commitFailed: Promise<never>;
  private failCommit: (err: Error) => void = () => undefined;
  private readonly onCopyOut = (): void => {
    this.refused = 'COPY … TO STDOUT is not supported here: run the SELECT itself to see its rows';
    // The server streams until the COPY ends; stop it rather than drop rows until the time limit.
    this.stopServer();
  };

  constructor(
    text: string,
    config: Cursor.CursorQueryConfig,
    private readonly stopServer: () => void,
    /** Called once the statement is complete, as its Close and Sync are written (same tick, same write). */
    private readonly afterComplete: () => void,
  ) {
    super(text, undefined, config);
    this.commitFailed = new Promise<never>((_, reject) => {
      this.failCommit = reject;
    });
    this.commitFailed.catch(() => undefined); // raced only while a read is pending
    // pg-cursor's types declare submit as a property: wrap it rather than override it.
    const submit = this.submit.bind(this);
    this.submit = (connection: Connection) => {
      submit(connection);
      connection.once('copyOutResponse', this.onCopyOut);
    };
  }

  /** Reads the next batch of up to `rows` rows, keeping no more text than `room` bytes can use. */
  readBatch(rows: number, room: number): Promise<{ rows: unknown[][]; result: QueryResult | undefined }> {
    this.keptBytes = 0;
    this.droppedRows = 0;
    this.keepUpTo = 2 * room + KEEP_SLACK_BYTES;
    return new Promise((resolve, reject) => {
      this.read(rows, (err, got, result) => (err ? reject(err) : resolve({ rows: got, result })));
    });
  }

  handleDataRow(msg: { fields: (string | null)[] }): void {
    const size = rowTextLength(msg.fields);
    if (this.droppedRows === 0 && this.keptBytes + size <= this.keepUpTo) {
      this.keptBytes += size;
      (Cursor.prototype as unknown as { handleDataRow(m: unknown): void }).handleDataRow.call(this, msg);
      return;
    }
    this.droppedRows += 1;
    this.droppedBytes += size;
    if (this.droppedBytes > STOP_PAST_DROPPED_BYTES && this.refused === undefined) {
      this.refused =
        'This result is far larger than the result size limit and was not read to its end: select fewer or smaller rows (LIMIT, left(), length())';
      this.stopServer();
    }
  }

  handleCommandComplete(msg: { text: string }): void {
    this.commandTag = msg.text;
    this.forgetCopy();
    (Cursor.prototype as unknown as { handleCommandComplete(m: unknown): void }).handleCommandComplete.call(this, msg);
    this.afterComplete();
  }

  handleError(msg: Error): void {
    if ((this as unknown as { state: string }).state === 'done') this.failCommit(msg);
    this.forgetCopy();
    (Cursor.prototype as unknown as { handleError(m: unknown): void }).handleError.call(this, msg);
  }

  /** The server answers a CopyFail with an error (57014), which ends the statement as usual. */
  handleCopyInResponse(connection: Connection & { sendCopyFail(message: string): void }): void {
    this.refused = 'COPY … FROM STDIN is not supported here: use INSERT … VALUES';
    connection.sendCopyFail(this.refused);
  }

  /** Rows of a refused COPY TO STDOUT, until the cancel lands: dropped. */
  handleCopyData(): void {}

  private forgetCopy(): void {
    (this as unknown as { connection: Connection | null }).connection?.removeListener(
      'copyOutResponse',
      this.onCopyOut,
    );
  }
}

/** What a statement's run needs besides its text and limits. */
export interface StatementHooks {
  /** Stops the statement from another connection: a refused COPY TO STDOUT, or a result far past the cap, streams until then. */
  stopServer(): void;
  /** Called as the statement completes (CommandComplete), in the tick its Close and Sync are written. */
  afterComplete(): void;
}

/**
 * Runs one statement through a portal (extended protocol), reading rows in batches so a
 * 300k-row result stops at the cap instead of being buffered whole; the portal is closed at the cap.
 * Nothing commits before the Sync that follows the statement's CommandComplete (or its close at the cap).
 */
export async function runPostgresStatement(
  client: ClientBase,
  text: string,
  maxRows: number,
  budget: ByteBudget,
  typeNames: TypeNames,
  hooks: StatementHooks,
): Promise<ResultSet> {
  const cursor = client.query(
    new TaggedCursor(text, { rowMode: 'array', types: POSTGRES_TYPES }, hooks.stopServer, hooks.afterComplete),
  );
  const builder = new ResultBuilder(maxRows, budget);
  let last: QueryResult | undefined;
  for (;;) {
    const want = Math.min(BATCH_ROWS, Math.max(1, maxRows + 1 - builder.rows.length));
    // The result comes with each batch except the empty one read after the portal is done.
    const batch = await Promise.race([cursor.readBatch(want, budget.remaining), cursor.commitFailed]).catch(
      (err: unknown) => {
        throw cursor.refused ? new UnsupportedStatement(cursor.refused, { cause: err }) : err;
      },
    );
    if (cursor.refused) throw new UnsupportedStatement(cursor.refused);
    last = batch.result ?? last;
    for (const row of batch.rows) builder.add(row);
    builder.skip(cursor.droppedRows);
    if (builder.truncated || batch.rows.length === 0) break;
  }
  if (builder.truncated) {
    await Promise.race([cursor.close(), cursor.commitFailed]);
    // The rest was never read: what we know is the rows read so far.
    return builder.build(await columnsOf(client, last, typeNames), builder.seen, undefined);
  }
  const tag = cursor.commandTag?.replace(/( \d+)+$/, '');
  // Type names are looked up only now: the connection is busy with the portal until it closes.
  const columns = await columnsOf(client, last, typeNames);
  // A tag's count covers only the last batch fetched from the portal; rows we counted ourselves.
  return builder.build(columns, columns.length > 0 ? builder.seen : (last?.rowCount ?? 0), tag);
}

async function columnsOf(client: ClientBase, result: QueryResult | undefined, typeNames: TypeNames): Promise<Column[]> {
  const fields = result?.fields ?? [];
  const names = await typeNames.resolve(
    client,
    fields.map((f) => f.dataTypeID),
  );
  return fields.map((f) => ({ name: f.name, type: names.get(f.dataTypeID) ?? String(f.dataTypeID) }));
}
