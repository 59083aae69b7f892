import type { ColumnKind } from './model.ts';

const KINDS: Record<string, ColumnKind> = {};
const add = (kind: ColumnKind, names: string) => {
  for (const name of names.split(',')) KINDS[name] = kind;
};
add('boolean', 'bool,boolean');
add(
  'integer',
  'int,integer,smallint,bigint,tinyint,mediumint,int2,int4,int8,serial,smallserial,bigserial,serial4,serial8',
);
add('number', 'decimal,numeric,real,float,float4,float8,double,double precision,money,smallmoney,dec');
add(
  'datetime',
  'timestamp,timestamptz,datetime,datetime2,smalldatetime,datetimeoffset,timestamp with time zone,timestamp without time zone',
);
add('date', 'date');
add('time', 'time,timetz,time with time zone,time without time zone');
add(
  'string',
  'varchar,char,text,nvarchar,nchar,ntext,character,character varying,string,citext,tinytext,mediumtext,longtext',
);

/** What kind of value a column of this base type (lower case, no arguments) holds. */
export function columnKind(base: string): ColumnKind {
  return KINDS[base] ?? 'other';
}

export const SERIAL_TYPES: ReadonlySet<string> = new Set(['serial', 'smallserial', 'bigserial', 'serial4', 'serial8']);
