-- The client's own terminators: \g sends the statement, \G sends it for vertical output.
SELECT 1 AS a\G
SELECT 2 AS b\g SELECT 3 AS c;
SELECT 'a \g in a string; stays' AS s\G SELECT `a \G in a name` FROM (SELECT 4 AS `a \G in a name`) t\g
SELECT "\G escaped in a string" AS s;
DELIMITER //
SELECT 5 AS inside_a_delimiter_block\G
SELECT 6 AS d//
DELIMITER ;
SELECT 7 # \G in a comment
;
\g
SELECT 8;
