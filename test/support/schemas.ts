/** The DBML a teacher gives in the end-to-end tests. */
export const SHOP_DBML = `
Table customers {
  id int [pk, increment]
  name varchar(50) [not null]
}
Table orders {
  id int [pk, increment]
  customer_id int [ref: > customers.id]
  total decimal(10,2)
}
Records customers(id, name) {
  1, 'Ada'
  2, 'Grace'
}
Records orders(id, customer_id, total) {
  10, 1, 12.50
  11, 2, 99.99
}
`;

export const LIBRARY_DBML = `
Table books {
  id int [pk, increment]
  title varchar(100)
}
Records books(id, title) {
  1, 'Dune'
}
`;

/** A statement that sleeps, per engine, for the timeout tests. */
export const SLEEP = { postgres: (s: number) => `SELECT pg_sleep(${s})`, mysql: (s: number) => `SELECT SLEEP(${s})` };
