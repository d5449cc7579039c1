-- Whether the extension's SQL objects are the version of the library ($1): false
-- between installing a newer library and ALTER EXTENSION ... UPDATE.
SELECT coalesce((SELECT e.extversion OPERATOR(pg_catalog.=) $1::pg_catalog.text
                   FROM pg_catalog.pg_extension e
                  WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'::pg_catalog.name), false)
