CREATE TABLE sales (region TEXT, year INTEGER, amount REAL);
INSERT INTO sales VALUES ('North', 2023, 10), ('North', 2024, 20), ('South', 2024, 5), ('West', 2022, 99);
