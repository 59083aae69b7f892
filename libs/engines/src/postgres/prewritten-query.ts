import pg from 'pg';

/**
 * Reads the answer of the simple query `text`, already written to `client`'s connection (see PostgresEngine's
 * reset after a script): queued as pg's next query so that pg reads its answer, it sends nothing when its
 * turn comes. Rejects with the server's error.
 */
export function prewrittenQuery(client: pg.Client, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const query = new pg.Query(text);
    query.submit = () => undefined;
    query.on('end', () => resolve());
    query.on('error', reject);
    client.query(query);
  });
}
