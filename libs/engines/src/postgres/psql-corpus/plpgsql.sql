-- PL/pgSQL bodies in dollar quotes, nested tags, DO blocks and procedures.
CREATE TABLE counter (n int);
CREATE FUNCTION bump(step int) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  total int;
BEGIN
  INSERT INTO counter VALUES (step);
  SELECT sum(n) INTO total FROM counter;
  IF total > 10 THEN
    RAISE NOTICE 'big; %', total;
  END IF;
  RETURN total;
END;
$$;
DO $do$
BEGIN
  PERFORM bump(1);
  EXECUTE $exec$ SELECT 'inner; $$ quote' $exec$;
END
$do$;
CREATE OR REPLACE PROCEDURE reset_counter() LANGUAGE plpgsql AS $body$
BEGIN
  DELETE FROM counter;
  COMMIT;
END;
$body$;
CALL reset_counter();
do $$ begin perform 1; end $$; select bump(2);
CREATE FUNCTION sql_body() RETURNS int LANGUAGE sql AS 'SELECT 1; SELECT 2';
SELECT sql_body();
CREATE FUNCTION case_expr(x int) RETURNS text LANGUAGE sql
RETURN CASE WHEN x > 0 THEN 'positive; yes' ELSE 'other' END;
SELECT case_expr(1); SELECT CASE WHEN true THEN 1 END;
