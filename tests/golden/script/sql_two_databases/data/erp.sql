CREATE TABLE invoices (InvoiceID INTEGER, CustomerID INTEGER, Total DECIMAL(10,2));
INSERT INTO invoices VALUES (100, 1, 50), (101, 1, 25.5), (102, 3, 10);
