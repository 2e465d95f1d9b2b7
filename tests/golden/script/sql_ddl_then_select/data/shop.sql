CREATE TABLE stock (sku VARCHAR, qty INTEGER);
INSERT INTO stock VALUES ('A', 3), ('B', 0), ('C', 12);
