import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileSchema } from './compile-schema.ts';
import type { SampleData } from './sample-data.ts';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const dbml = fixture('school.dbml');
const data = JSON.parse(fixture('school.data.json')) as SampleData;

/** What both engines must hold after the fixture is applied: Records rows, then data rows. */
const expectedStudents = [
  { id: 1, name: 'Ann', nickname: 'back\\slash', level: 'freshman', enrolled: true, created_at: '2024-01-02 03:04:05' },
  { id: 2, name: 'Bob', nickname: null, level: "sophomore's year", enrolled: false, created_at: '2024-02-03 10:00:00' },
  {
    id: 3,
    name: 'Ćiril 😀',
    nickname: 'it\'s "quoted"',
    level: 'senior',
    enrolled: true,
    created_at: '2024-03-04 05:06:07',
  },
  {
    id: 4,
    name: 'From data, no id',
    nickname: 'C:\\temp\\new',
    level: 'senior',
    enrolled: true,
    created_at: '2024-05-06 07:08:09',
  },
  { id: 10, name: "D'Arcy", nickname: null, level: 'freshman', enrolled: false, created_at: '2024-05-06 07:08:09' },
];
const expectedStaff = [
  { id: 1, full_name: "Seán O'Brien", role: 'principal', mentor_id: null },
  { id: 2, full_name: 'Zoë Ångström 日本', role: 'teacher', mentor_id: 1 },
  { id: 3, full_name: 'Ода Нобунага', role: 'teacher', mentor_id: 2 },
];

describe('the fixture on a real PostgreSQL', () => {
  const name = `t_${randomUUID().replaceAll('-', '')}`;
  const admin = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  const db = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:5432/${name}` });
  admin.on('error', () => {});
  db.on('error', () => {});

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await db.connect();
    for (const batch of compileSchema({ engine: 'postgres', dbml, data }).batches) await db.query(batch);
  });
  afterAll(async () => {
    await db.end().catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('holds the seeded rows, quotes, unicode, NULLs, enums and timestamps intact', async () => {
    const students = await db.query(
      `SELECT id, name, nickname, level::text AS level, enrolled, to_char(created_at, 'YYYY-MM-DD HH24:MI:SS') AS created_at FROM students ORDER BY id`,
    );
    expect(students.rows).toEqual(expectedStudents);
    const staff = await db.query('SELECT id, full_name, role::text AS role, mentor_id FROM admin.staff ORDER BY id');
    expect(staff.rows).toEqual(expectedStaff);
    const enrollments = await db.query('SELECT note FROM enrollments ORDER BY student_id, course_code');
    expect(enrollments.rows.map((r) => r.note)).toEqual([null, 'first\nline', 'ünïcödé', 'tab\there']);
  });

  it('takes a plain INSERT without an id afterwards, in every table with an identity or serial', async () => {
    expect((await db.query(`INSERT INTO students (name) VALUES ('next') RETURNING id`)).rows).toEqual([{ id: 11 }]);
    expect((await db.query(`INSERT INTO admin.staff (full_name) VALUES ('next') RETURNING id`)).rows).toEqual([
      { id: 4 },
    ]);
    expect((await db.query(`INSERT INTO departments (name) VALUES ('next') RETURNING id`)).rows).toEqual([{ id: 3 }]);
  });

  it('enforces the foreign keys, comments and defaults it declared', async () => {
    await expect(db.query('INSERT INTO enrollments (student_id, course_code) VALUES (999, $1)', ['X'])).rejects.toThrow(
      /foreign key/,
    );
    const note = await db.query(`SELECT obj_description('admin.staff'::regclass) AS note`);
    expect(note.rows[0].note).toBe('Staff in a named schema');
    const row = await db.query(`INSERT INTO students (name) VALUES ('defaults') RETURNING level::text, enrolled`);
    expect(row.rows).toEqual([{ level: 'freshman', enrolled: false }]);
  });
});

describe('the fixture on a real MariaDB', () => {
  const name = `t_${randomUUID().replaceAll('-', '')}`;
  let conn: mysql.Connection;

  beforeAll(async () => {
    conn = await mysql.createConnection({
      host: '127.0.0.1',
      user: 'root',
      multipleStatements: true,
      charset: 'utf8mb4_general_ci',
      dateStrings: true,
    });
    await conn.query(`CREATE DATABASE ${name}`);
    await conn.query(`USE ${name}`);
    for (const batch of compileSchema({ engine: 'mysql', dbml, data }).batches) await conn.query(batch);
  });
  afterAll(async () => {
    await conn.query(`DROP DATABASE IF EXISTS ${name}`);
    await conn.end();
  });

  it('holds the seeded rows, quotes, unicode, NULLs, enums and timestamps intact', async () => {
    const [students] = await conn.query(
      'SELECT id, name, nickname, level, enrolled = 1 AS enrolled, created_at FROM students ORDER BY id',
    );
    expect((students as Array<Record<string, unknown>>).map((r) => ({ ...r, enrolled: r.enrolled === 1 }))).toEqual(
      expectedStudents,
    );
    const [staff] = await conn.query('SELECT id, full_name, role, mentor_id FROM admin_staff ORDER BY id');
    expect(staff).toEqual(expectedStaff);
    const [enrollments] = await conn.query('SELECT note FROM enrollments ORDER BY student_id, course_code');
    expect((enrollments as Array<{ note: string | null }>).map((r) => r.note)).toEqual([
      null,
      'first\nline',
      'ünïcödé',
      'tab\there',
    ]);
  });

  it('continues AUTO_INCREMENT after the explicit ids', async () => {
    const [students] = await conn.query(`INSERT INTO students (name) VALUES ('next')`);
    expect((students as mysql.ResultSetHeader).insertId).toBe(11);
    const [staff] = await conn.query(`INSERT INTO admin_staff (full_name) VALUES ('next')`);
    expect((staff as mysql.ResultSetHeader).insertId).toBe(4);
  });

  it('enforces the foreign keys it declared', async () => {
    await expect(conn.query(`INSERT INTO enrollments (student_id, course_code) VALUES (999, 'X')`)).rejects.toThrow(
      /foreign key constraint/i,
    );
  });
});
