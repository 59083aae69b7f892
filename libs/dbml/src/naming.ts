import { createHash } from 'node:crypto';

/** PostgreSQL cuts identifiers at 63 bytes and MySQL refuses more than 64 characters. */
const MAX_NAME = 60;

/**
 * Hands out constraint and index names that are unique across the whole schema (PostgreSQL
 * and SQL Server scope them per schema, MySQL foreign keys per database) and short enough
 * for every dialect.
 */
export class NameAllocator {
  private readonly used = new Set<string>();

  /** Reserves a name the DBML gave explicitly. */
  reserve(name: string): string {
    this.used.add(name.toLowerCase());
    return name;
  }

  /** A fresh name built from parts, e.g. `users_email_idx`. */
  allocate(parts: string[], suffix: string): string {
    const base = shorten(`${parts.join('_')}_${suffix}`.replace(/[^\p{L}\p{N}_]+/gu, '_'));
    let name = base;
    for (let n = 1; this.used.has(name.toLowerCase()); n += 1) name = shorten(`${base}${n}`);
    return this.reserve(name);
  }
}

function shorten(name: string): string {
  if (name.length <= MAX_NAME) return name;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_NAME - 9)}_${hash}`;
}
