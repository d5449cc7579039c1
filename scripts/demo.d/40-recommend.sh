# Demo step: recommendations with reasons.
section "personality_refresh_model: the collaborative model learns everyone's swipes (in batches; schedule it with pg_cron)"
"${PSQL[@]}" -c "SELECT r->>'swipes_read' AS swipes_read, r->>'products_with_neighbours' AS products_with_neighbours
  FROM personality_refresh_model() r"
section "personality_recommend: user 1's top 5 (after the quiz and the swipes above)"
"${PSQL[@]}" -c "SELECT p.name, v.category, r.combined_score, r.personality_match_score AS match,
       r.category_alignment_score AS category, r.behavioral_prediction AS behaviour, r.recommendation_reasons
  FROM personality_recommend('00000000-0000-4000-d000-000000000001', 5) r
  JOIN products p ON p.id = r.product_id
  JOIN personality_product_vectors v ON v.product_id = r.product_id
 ORDER BY r.combined_score DESC, p.name"
section "... as a birthday gift under 40"
"${PSQL[@]}" -c "SELECT p.name, p.price, r.combined_score, r.recommendation_reasons
  FROM personality_recommend('00000000-0000-4000-d000-000000000001', 5, 'gift_finder', 'birthday', 40) r
  JOIN products p ON p.id = r.product_id
 ORDER BY r.combined_score DESC, p.name"
