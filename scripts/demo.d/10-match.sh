# Demo step: the seed's match function, native, with and without product traits.
section "calculate_personality_product_match: seed-compatible, and with product traits"
"${PSQL[@]}" -c "SELECT calculate_personality_product_match('{\"adventurous\": 85, \"intellectual\": 70, \"practical\": 45}', NULL, NULL) AS seed_formula,
       personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping']) AS hiking_gear_traits,
       calculate_personality_product_match('{\"adventurous\": 85, \"intellectual\": 70, \"practical\": 45}',
           personality_product_traits('sports-outdoors', ARRAY['hiking', 'camping']), NULL) AS hiking_gear,
       calculate_personality_product_match('{\"adventurous\": 85, \"intellectual\": 70, \"practical\": 45}',
           personality_product_traits('art-crafts', ARRAY['craft', 'diy']), NULL) AS craft_kit"
