-- Writes the neighbour lists of the products $1: product i's list is elements
-- $3[i] + 1 .. $3[i + 1] of the neighbour ids $2, similarities $4 and co-likes $5.
INSERT INTO @extschema@.personality_item_neighbours AS t (product_id, neighbour_ids, sims, cos, refreshed_at)
SELECT x.p,
       $2[$3[x.i::pg_catalog.int4] OPERATOR(pg_catalog.+) 1 : $3[x.i::pg_catalog.int4 OPERATOR(pg_catalog.+) 1]],
       $4[$3[x.i::pg_catalog.int4] OPERATOR(pg_catalog.+) 1 : $3[x.i::pg_catalog.int4 OPERATOR(pg_catalog.+) 1]],
       $5[$3[x.i::pg_catalog.int4] OPERATOR(pg_catalog.+) 1 : $3[x.i::pg_catalog.int4 OPERATOR(pg_catalog.+) 1]],
       pg_catalog.now()
  FROM pg_catalog.unnest($1::pg_catalog.uuid[]) WITH ORDINALITY AS x(p, i)
    ON CONFLICT (product_id) DO UPDATE SET
       neighbour_ids = EXCLUDED.neighbour_ids,
       sims = EXCLUDED.sims,
       cos = EXCLUDED.cos,
       refreshed_at = EXCLUDED.refreshed_at
