-- CRLF line ends, as a script saved on Windows
SELECT 1; SELECT 'a;b'
, 2; -- comment; here
SELECT 3 /* x; */;
SET standard_conforming_strings = off;
SELECT 'off: \'; quote';
RESET ALL;
SELECT $$ x; $$;
CREATE FUNCTION crlf_fn() RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT 1;
END;
SELECT 4
