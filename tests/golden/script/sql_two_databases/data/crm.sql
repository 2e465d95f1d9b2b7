CREATE TABLE customers (CustomerID INTEGER, Name TEXT);
INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bob'), (3, 'Cy');
