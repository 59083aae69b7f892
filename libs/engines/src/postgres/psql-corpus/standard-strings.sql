-- psql follows standard_conforming_strings: with it off, \' is an escaped quote in plain strings.
SELECT 'on: \'; SELECT 'so this is its own statement';
SET standard_conforming_strings = off; SELECT 'still on for the rest of this line: \';
SELECT 'off now: \' quote; inside', 'two\\; backslashes';
SELECT E'escape \' string', 'plain \'; quoted';
SELECT 'continued \'; part'
  'second \'; part';
SET standard_conforming_strings TO on;
SELECT 'on again: \'; SELECT 'separate';
SET SESSION standard_conforming_strings = 'off';
SELECT 'off: \'; one';
RESET standard_conforming_strings;
SELECT 'reset to on: \'; SELECT 'two';
SET standard_conforming_strings = false;
SELECT 'false means off: \'; x';
SET standard_conforming_strings TO DEFAULT;
SELECT 'default is on: \'; SELECT 'y';
SET standard_conforming_strings = 0;
SELECT N'national follows it: \'; z', B'01', X'1\';
SELECT 'still off: \'; SELECT 3';
RESET ALL;
SELECT 'reset all: \'; SELECT 4;
