-- Strings, identifiers, comments and operators: every way psql keeps a ; inside a statement.
CREATE TABLE "we;ird" ("col;1" int, "quote""d" text, data jsonb);
INSERT INTO "we;ird" VALUES (1, 'a;b', '{"k": {"n": [1, 2]}}'), (2, 'it''s; fine', '{"k": 1}');
SELECT 'plain; string', 'doubled '' quote;', E'escaped \' quote; still', e'lower \\; e';
SELECT E'backslash at the end \\'; SELECT 'standard \'; SELECT 2;
SELECT U&'unicode \0041; string', U&"col;1" FROM "we;ird";
SELECT B'0101', X'1F', N'national; string', b'1', x'ab';
SELECT 'continued; '
  'on the next line;'   -- a comment between; the parts
  'and again';
SELECT E'an escape string '
  'then a plain one to psql, which lexes line by line: \'; SELECT 'cut before this';
SELECT 'not continued' 'on one line; psql cuts after the second';
SELECT $$dollar; quoted$$, $tag$with $$ inside; and $other$ too$tag$, $a$$a$;
SELECT $1abc; SELECT a$b$c FROM (SELECT 1 AS a$b$c) t;
SELECT 1 -- trailing comment; with a semicolon
, 2; SELECT 3 /* block; comment */ , 4;
/* outer /* nested; comment */ still; the comment */ SELECT 5;
SELECT 6 /* a comment
spanning; lines */;
SELECT data -> 'k' ->> 'n', data #> '{k,n}', data #>> '{k}', data @> '{"k": 1}', data ? 'k',
       data ?| array['k', 'z'], data ?& array['k'] FROM "we;ird";
SELECT 1::int, ARRAY[1, 2][1], 3 +-- comment right after an operator; here
4, 5 */* not a comment start? it is one; */ 6;
SELECT 'a' || 'b;c' AS "x;y";;
;
/* a statement of only a comment */;
SELECT "unterminated; identifier
spanning lines" FROM (SELECT 1 AS "unterminated; identifier
spanning lines") t;
SELECT 'last statement without a semicolon'
