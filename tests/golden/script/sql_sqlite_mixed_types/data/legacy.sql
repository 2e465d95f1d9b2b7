CREATE TABLE readings (sensor, value);
INSERT INTO readings VALUES ('a', 1), ('b', '2,5'), ('c', 'n/a'), ('d', 3.75), ('e', NULL), ('f', '1.000,5');
