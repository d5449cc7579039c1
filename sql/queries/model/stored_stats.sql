-- Every stored stats row, for a full refresh to write only the rows that differ.
SELECT s.product_id, s.likes, s.dislikes, s.neutral, s.decayed_likes, s.at, s.side_likes
  FROM @extschema@.personality_item_stats s
