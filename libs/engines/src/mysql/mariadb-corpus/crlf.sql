# CRLF line ends
SELECT 1; SELECT 'a;b'
, 2; -- comment; here
SELECT 3 /* x; */;
DELIMITER //
CREATE PROCEDURE crlf_p() BEGIN SELECT 1; END//
DELIMITER ;
CALL crlf_p();
SELECT 4
