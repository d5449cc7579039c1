-- Stores the opinions $2 of the people $1.
INSERT INTO @extschema@.personality_model_people (user_id, opinions)
SELECT x.u, x.o FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), pg_catalog.unnest($2::pg_catalog.bytea[])) AS x(u, o)
    ON CONFLICT (user_id) DO UPDATE SET opinions = EXCLUDED.opinions
