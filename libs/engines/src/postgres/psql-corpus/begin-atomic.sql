-- SQL-standard bodies: psql counts BEGIN, CASE and END in CREATE FUNCTION / PROCEDURE statements.
CREATE TABLE ledger (n int);
BEGIN;
CREATE FUNCTION sign_of(x int) RETURNS text LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 'positive' WHEN x < 0 THEN 'negative' ELSE 'zero' END;
END;
INSERT INTO ledger VALUES (1);
SELECT sign_of(-3);
COMMIT;
create or replace procedure record_two(a int, b int) language sql
begin atomic
  insert into ledger values (a);
  insert into ledger values (case when b > 0 then b else 0 end);
end;
CALL record_two(2, 3);
CREATE PROCEDURE nested_case() LANGUAGE sql BEGIN ATOMIC
  INSERT INTO ledger SELECT CASE WHEN n > 1 THEN CASE WHEN n > 2 THEN 3 ELSE 2 END ELSE 1 END FROM ledger;
  SELECT 1;
END;
CREATE FUNCTION in_parens(x int DEFAULT (CASE WHEN true THEN 1 END)) RETURNS int LANGUAGE sql
BEGIN ATOMIC SELECT x; END;
CREATE OR REPLACE FUNCTION "begin"() RETURNS int LANGUAGE sql RETURN 1;
SELECT "begin"();
BEGIN; SELECT CASE WHEN true THEN 1 ELSE 2 END; END;
START TRANSACTION; SELECT 1; END;
CREATE TABLE begin_t (begin int, "end" int);
SELECT begin, "end" FROM begin_t;
CREATE VIEW ledger_view AS SELECT CASE WHEN n > 0 THEN 'x' END AS c FROM ledger;
-- psql's heuristic, copied as it is: an unquoted BEGIN anywhere at depth 0 of a CREATE FUNCTION opens a
-- block, so psql (and sqlfleet) wait for an END before the next cut.
CREATE FUNCTION begin() RETURNS int LANGUAGE sql RETURN 1; SELECT 'held back'; end;
CREATE FUNCTION ends_early() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 'next';
CREATE TABLE after_the_quirk (n int);
