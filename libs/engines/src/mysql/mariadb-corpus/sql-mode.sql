-- The client reads backslashes by the sql_mode the server reports, from the next statement on.
SELECT 'default: \'; one string' AS s;
SET sql_mode = 'NO_BACKSLASH_ESCAPES'; SELECT 'no escapes: \'; SELECT 'two';
SELECT "nor in double quotes: \"; SELECT 2;
SET sql_mode = DEFAULT;
SELECT 'escapes again: \'; one' AS s;
SET SESSION sql_mode = 'ANSI_QUOTES';
SELECT 1 AS "an identifier \"; SELECT 'strings still escape: \'; x' AS s;
SET @@sql_mode = 'STRICT_TRANS_TABLES,ANSI';
SELECT 3 AS "ansi implies ansi quotes \"; SELECT 4;
SET @@session.sql_mode = "TRADITIONAL";
SELECT "a string again: \"; y" AS s;
SET sql_mode = '';
SELECT 'empty mode: \'; z' AS s;
