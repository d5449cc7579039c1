-- The stored neighbour lists of the products $1.
SELECT nb.product_id, nb.neighbour_ids, nb.sims, nb.cos
  FROM @extschema@.personality_item_neighbours nb WHERE nb.product_id OPERATOR(pg_catalog.=) ANY ($1)
