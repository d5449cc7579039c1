-- The swipe tables read ($1), each with its high-water mark $2 and its rows below it
-- ($3); the table was emptied before (clear_sources.sql).
INSERT INTO @extschema@.personality_model_sources (swipe_table, swipes_until, swipes_counted)
SELECT x.t::pg_catalog.oid, $2, x.n
  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.int8[]), pg_catalog.unnest($3::pg_catalog.int8[])) AS x(t, n)
