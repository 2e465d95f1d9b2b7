CREATE TABLE lines (order_id INTEGER, product VARCHAR, qty INTEGER, unit_price DECIMAL(6,2));
INSERT INTO lines VALUES (1, 'Tea', 2, 3.50), (1, 'Cake', 1, 4.00), (2, 'Tea', 5, 3.50), (3, 'Jam', 0, 2.25);
