-- Issue 23's second protocol (eval.py auc): each person's full list,
-- personality_recommend(person, 1000), to order their own later-rated movies.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE TABLE ml.ranking_full ("user" int, item int, rank int);
DO $$
DECLARE
    u int;
BEGIN
    FOR u IN SELECT DISTINCT "user" FROM ml.swipes ORDER BY 1 LOOP
        INSERT INTO ml.ranking_full
        SELECT u, right(r.product_id::text, 12)::int, r.ordinality
          FROM personality_recommend(('00000000-0000-4000-d000-' || lpad(u::text, 12, '0'))::uuid, 1000)
               WITH ORDINALITY AS r;
    END LOOP;
END;
$$;
