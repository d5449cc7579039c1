-- Names of the products $1 in the host's products table; the table hole is filled in
-- at run time from host_products.sql (quoted, qualified); prepared once per text.
SELECT p.id, p.name::pg_catalog.text FROM @table@ p
 WHERE p.id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.uuid[])
