CREATE SCHEMA sales;
CREATE TABLE sales.customers (cid INTEGER, name VARCHAR);
INSERT INTO sales.customers VALUES (1, 'Ann'), (2, 'Bob');
CREATE TABLE products (pid INTEGER, title VARCHAR);
INSERT INTO products VALUES (7, 'Tea');
