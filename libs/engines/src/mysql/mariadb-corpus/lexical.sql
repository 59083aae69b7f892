# Strings, identifiers and comments: every way the mariadb client keeps a ; inside a statement.
CREATE TABLE `we;ird` (`col;1` int, `back``tick` text, data json);
INSERT INTO `we;ird` VALUES (1, 'a;b', '{"k": 1}'), (2, 'it''s; fine', "dq \"; x");
SELECT 'backslash \'; quote', "double \"; quote", 'two \\', 'doubled '' ; quote';
SELECT `col;1`, `back``tick` FROM `we;ird`; SELECT 2;
SELECT 1 # a hash comment; with a semicolon
, 2; SELECT 3 -- a dash comment; with a semicolon
, 4;
SELECT 5--1; SELECT 6 --1
;
--no space at the start of a statement: a comment to the client; SELECT 'hidden';
SELECT 7;--and right after a semicolon; too
SELECT 8 /* block; comment */ , 9;
/* a comment
over; lines */ SELECT 10;
/*!40101 SELECT 11 */; /*!50003 SELECT 12 */;
/*M!100100 SELECT 13 */;
SELECT 14 /*! , 15 */;
/*!40101 SELECT 16; SELECT 17 */;
SELECT data->'$.k', JSON_EXTRACT(data, '$.k') FROM `we;ird`;
SELECT 'a' 'b;c' AS `x;y`;;
;
/* only a comment */;
# only a comment;
SELECT "a 'single' in double; quotes", 'a "double" in single; quotes';
SELECT 'last statement without a semicolon'
