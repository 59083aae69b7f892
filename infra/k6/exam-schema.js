// The DBML every virtual user submits once (shared by the two scripts): a small exam schema.
export const EXAM_DBML = `
Table students {
  id int [pk, increment]
  name varchar(50) [not null]
}
Table courses {
  id int [pk, increment]
  title varchar(80) [not null]
}
Table enrolments {
  student_id int [ref: > students.id]
  course_id int [ref: > courses.id]
  grade int
}
Records students(id, name) {
  1, 'Ada'
  2, 'Grace'
  3, 'Edsger'
}
Records courses(id, title) {
  1, 'Databases'
  2, 'Compilers'
}
Records enrolments(student_id, course_id, grade) {
  1, 1, 18
  2, 1, 15
  3, 2, 12
}
`;

export const EXAM_QUERY =
  'SELECT c.title, COUNT(*) AS n, AVG(e.grade) AS average FROM enrolments e JOIN courses c ON c.id = e.course_id GROUP BY c.title ORDER BY c.title';
