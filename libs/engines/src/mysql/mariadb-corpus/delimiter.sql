-- DELIMITER blocks for routines and triggers; the DELIMITER line itself is never sent.
CREATE TABLE items (id int PRIMARY KEY, qty int);
CREATE TABLE item_log (id int, note varchar(50));
DELIMITER //
CREATE PROCEDURE add_item(IN i int, IN q int)
BEGIN
  INSERT INTO items VALUES (i, q);
  INSERT INTO item_log VALUES (i, 'added; ok');
END//
CREATE FUNCTION double_it(x int) RETURNS int DETERMINISTIC
BEGIN
  DECLARE y int;
  SET y = x * 2;
  RETURN y;
END //
DELIMITER ;
CALL add_item(1, 5); SELECT double_it(2);
delimiter $$
CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW
BEGIN
  IF NEW.qty < 0 THEN
    SET NEW.qty = 0;
  END IF;
END$$
SELECT 'a $$ in a string' AS s$$
SELECT 1; SELECT 2$$
DELIMITER ;;
CREATE PROCEDURE dumped() BEGIN SELECT 1; SELECT 2; END ;;
DELIMITER ;
  DELIMITER //
SELECT 'indented delimiter line counts' //
DELIMITER ;
CALL dumped();
SELECT 'DELIMITER //' AS inside_a_string; SELECT 3 AS delimiter;
SELECT 4
DELIMITER //
;
SELECT 5;
SELECT 6; DELIMITER // -- mid-line: not a command, sent as SQL at the end of the script
