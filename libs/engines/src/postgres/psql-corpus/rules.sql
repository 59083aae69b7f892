-- A ; inside parentheses never ends a statement for psql.
CREATE TABLE events (id int, note text);
CREATE TABLE audit (id int);
CREATE RULE notify_twice AS ON UPDATE TO events DO INSTEAD (NOTIFY events_a; NOTIFY events_b);
CREATE RULE keep_audit AS ON INSERT TO events DO ALSO (
  INSERT INTO audit VALUES (new.id);
  DELETE FROM audit WHERE id < 0
);
create rule wipe as on delete to events do instead (delete from audit; delete from audit where id = old.id);
INSERT INTO events VALUES (1, 'a'); UPDATE events SET note = 'b'; DELETE FROM events;
SELECT (1; SELECT 2);
SELECT 1); SELECT 'a closing bracket too many does not count';
SELECT ((((1)))), (SELECT count(*) FROM audit);
SELECT '(' AS open, ')' AS close, "(" FROM (SELECT 1 AS "(") t;
SELECT 1 /* ( */; SELECT 2 -- (
;
SELECT $$ ( $$; SELECT 3;
