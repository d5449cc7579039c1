-- Products with a neighbour list.
SELECT pg_catalog.count(*) FROM @extschema@.personality_item_neighbours
