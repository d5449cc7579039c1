-- Stores the outcome of one training: the learnt weights (NULL: defaults apply) and
-- the state row. $1 features, $2 weights (NULLs), $3 status, $4 examples, $5 pairs,
-- $6 auc learnt, $7 auc default, $8 swipes read, $9 ms.
WITH w AS (
    INSERT INTO @extschema@.personality_ranker_weights AS t (feature, learnt)
    SELECT u.f, u.x
      FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.float8[])) AS u(f, x)
    ON CONFLICT (feature) DO UPDATE SET learnt = excluded.learnt
    RETURNING 1
)
INSERT INTO @extschema@.personality_ranker_state AS s
       (id, learnt_at, status, examples, pairs, auc_learnt, auc_default, swipes_read, ms)
SELECT true, pg_catalog.now(), $3, $4, $5, $6, $7, $8, $9
 WHERE (SELECT pg_catalog.count(*) FROM w) OPERATOR(pg_catalog.>=) 0
ON CONFLICT (id) DO UPDATE
   SET learnt_at = excluded.learnt_at, status = excluded.status, examples = excluded.examples,
       pairs = excluded.pairs, auc_learnt = excluded.auc_learnt, auc_default = excluded.auc_default,
       swipes_read = excluded.swipes_read, ms = excluded.ms
