/**
 * The exam-sized schema the start-up bench seeds: 3 tables and 100 rows of Records, about
 * what a teacher hands out. Built in code so the row count is exact and easy to change.
 */
const CUSTOMERS = 30;
const PRODUCTS = 20;
const ORDERS = 50;

const lines = (count: number, line: (i: number) => string): string =>
  Array.from({ length: count }, (_, i) => `  ${line(i + 1)}`).join('\n');

export const EXAM_DBML = `
Table customers {
  id int [pk, increment]
  name varchar(50) [not null]
  city varchar(40)
}
Table products {
  id int [pk, increment]
  title varchar(80) [not null]
  price decimal(10,2) [not null]
}
Table orders {
  id int [pk, increment]
  customer_id int [ref: > customers.id]
  product_id int [ref: > products.id]
  quantity int [not null]
}
Records customers(id, name, city) {
${lines(CUSTOMERS, (i) => `${i}, 'Customer ${i}', '${['Lyon', 'Oslo', 'Porto'][i % 3]}'`)}
}
Records products(id, title, price) {
${lines(PRODUCTS, (i) => `${i}, 'Product ${i}', ${(i * 3.25).toFixed(2)}`)}
}
Records orders(id, customer_id, product_id, quantity) {
${lines(ORDERS, (i) => `${i}, ${((i * 7) % CUSTOMERS) + 1}, ${((i * 3) % PRODUCTS) + 1}, ${(i % 5) + 1}`)}
}
`;

/** A query that proves the seed is all there. */
export const EXAM_CHECK = { query: 'SELECT COUNT(*) AS n FROM orders', expected: ORDERS };

/** The smallest schema, for sessions that only run `SELECT 1`. */
export const TINY_DBML = `
Table t {
  id int [pk]
}
`;
