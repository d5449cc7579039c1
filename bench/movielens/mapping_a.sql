-- Operator mapping A (docs/recommender-evaluation.md, settled before the first run):
-- five traits -> plausible film genres, as an operator of a film catalog would set
-- personality_gift_mappings. The headline mapping.
DELETE FROM personality_gift_mappings;
INSERT INTO personality_gift_mappings
    (personality_type, recommended_categories, avoided_categories, product_tags, recommendation_weight)
VALUES
    ('adventurous', '{Action,Adventure,Western,War}', '{Documentary}',
     '["action","adventure","western","war","thriller"]', 1.0),
    ('intellectual', '{Documentary,Drama,Mystery,Film-Noir}', '{Children''s}',
     '["documentary","drama","mystery","film-noir"]', 1.0),
    ('practical', '{Crime,Thriller,Documentary}', '{Fantasy}',
     '["crime","thriller","documentary","war"]', 1.0),
    ('creative', '{Animation,Fantasy,Sci-Fi,Musical}', '{}',
     '["animation","fantasy","sci-fi","musical","film-noir"]', 1.0),
    ('social', '{Comedy,Romance,Children''s,Musical}', '{Horror}',
     '["comedy","romance","children''s","musical"]', 1.0);
