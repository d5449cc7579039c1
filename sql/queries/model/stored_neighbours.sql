-- Every stored neighbour list, for a full refresh to write only the lists that differ.
SELECT n.product_id, n.neighbour_ids, n.sims, n.cos FROM @extschema@.personality_item_neighbours n
