# Demo step: swipes teach the profile.
section "Behaviour learning: user 1 likes art-crafts products and dislikes sports-outdoors ones"
"${PSQL[@]}" -c "SELECT 'before' AS at, personality_scores->>'adventurous' AS adventurous,
       personality_scores->>'creative' AS creative, primary_type, assessment_method
  FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000001'"
"${PSQL[@]}" -c "INSERT INTO swipes (user_id, product_id, direction)
SELECT '00000000-0000-4000-d000-000000000001', x.id, x.direction FROM (
  (SELECT p.id, 'right' AS direction FROM products p JOIN categories c ON c.id = p.category_id
    WHERE c.slug = 'art-crafts' ORDER BY p.id LIMIT 15)
  UNION ALL
  (SELECT p.id, 'left' FROM products p JOIN categories c ON c.id = p.category_id
    WHERE c.slug = 'sports-outdoors' ORDER BY p.id LIMIT 15)) x" >/dev/null
# Every swipe learnt into personality_learning; the profile row follows when it changes
# materially (personality.profile_sync_points), or when asked:
"${PSQL[@]}" -c "SELECT swipes, swipes_not_in_profile, adventurous, creative, confidence
  FROM personality_learning WHERE user_id = '00000000-0000-4000-d000-000000000001'"
"${PSQL[@]}" -c "SELECT personality_sync_profile('00000000-0000-4000-d000-000000000001') AS profile_rows_written" >/dev/null
"${PSQL[@]}" -c "SELECT 'after 30 swipes' AS at, personality_scores->>'adventurous' AS adventurous,
       personality_scores->>'creative' AS creative, primary_type, assessment_method
  FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000001'"
"${PSQL[@]}" -c "INSERT INTO swipes (user_id, product_id, direction)
SELECT '00000000-0000-4000-d000-000000000001', p.id, CASE WHEN c.slug = 'art-crafts' THEN 'right' ELSE 'left' END
  FROM products p JOIN categories c ON c.id = p.category_id
 WHERE c.slug IN ('art-crafts', 'sports-outdoors')
 ORDER BY p.id OFFSET 30 LIMIT 60" >/dev/null
"${PSQL[@]}" -c "SELECT personality_sync_profile('00000000-0000-4000-d000-000000000001') AS profile_rows_written" >/dev/null
"${PSQL[@]}" -c "SELECT 'after 90 swipes' AS at, personality_scores->>'adventurous' AS adventurous,
       personality_scores->>'creative' AS creative, primary_type, assessment_method,
       personality_scores->>'behavioral_consistency' AS behavioral_consistency
  FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000001'"
"${PSQL[@]}" -c "SELECT assessment_trigger, primary_type, user_swipes_count
  FROM personality_assessment_history WHERE user_id = '00000000-0000-4000-d000-000000000001'
 ORDER BY assessment_timestamp, assessment_trigger"
