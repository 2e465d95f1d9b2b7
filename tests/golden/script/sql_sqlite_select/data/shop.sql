CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, amount REAL, qty INTEGER, note TEXT);
INSERT INTO orders VALUES (1, 'Ann', 12.5, 2, NULL);
INSERT INTO orders VALUES (2, 'Bob', 7.25, 1, '0042');
INSERT INTO orders VALUES (3, 'Ann', NULL, 5, '');
