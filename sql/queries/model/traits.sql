-- The trait scores (adventurous, intellectual, practical, creative, social) of the
-- people $1, NULL where a score is missing or not a number.
SELECT pp.user_id,
       ARRAY(SELECT CASE WHEN pg_catalog.jsonb_typeof(pp.personality_scores OPERATOR(pg_catalog.->) t.n)
                              OPERATOR(pg_catalog.=) 'number'
                         THEN (pp.personality_scores OPERATOR(pg_catalog.->>) t.n)::pg_catalog.float8 END
               FROM pg_catalog.unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social']::pg_catalog.text[])
                    WITH ORDINALITY AS t(n, i)
              ORDER BY t.i)
  FROM @extschema@.personality_profiles pp
 WHERE pp.user_id OPERATOR(pg_catalog.=) ANY ($1::pg_catalog.uuid[])
