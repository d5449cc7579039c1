-- Which of the products $1 the current role may SELECT in the host's products table
-- (run with the caller's identity, so the host's row-level security policies apply);
-- the table hole is filled in from visibility/host_products.sql.
SELECT p.id FROM @table@ p WHERE p.id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.uuid[])
