import type { ForeignKeyModel, ReferentialAction } from './model.ts';
import type { Quoting } from './quoting.ts';

/**
 * `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY`, the same in all three dialects. Keys are added
 * after every table exists and the seed rows are in, so self and cyclic references need no ordering.
 */
export function foreignKeySql(fk: ForeignKeyModel, q: Quoting, hasRestrict = true): string {
  const columns = (names: string[]) => names.map((n) => q.ident(n)).join(', ');
  const action = (a: ReferentialAction) => (a === 'restrict' && !hasRestrict ? 'NO ACTION' : a.toUpperCase());
  return [
    `ALTER TABLE ${q.table(fk.table)} ADD CONSTRAINT ${q.ident(fk.name)}`,
    ` FOREIGN KEY (${columns(fk.columns)}) REFERENCES ${q.table(fk.refTable)} (${columns(fk.refColumns)})`,
    fk.onDelete ? ` ON DELETE ${action(fk.onDelete)}` : '',
    fk.onUpdate ? ` ON UPDATE ${action(fk.onUpdate)}` : '',
  ].join('');
}
