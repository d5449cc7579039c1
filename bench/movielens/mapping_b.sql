-- Operator mapping B (docs/recommender-evaluation.md, settled before the first run):
-- another plausible reading of the same genres, to check that the result does not
-- hinge on mapping A. Different first choices, different avoided genres, Horror and
-- Sci-Fi placed elsewhere.
DELETE FROM personality_gift_mappings;
INSERT INTO personality_gift_mappings
    (personality_type, recommended_categories, avoided_categories, product_tags, recommendation_weight)
VALUES
    ('adventurous', '{Adventure,Sci-Fi,Action,Horror}', '{Romance}',
     '["adventure","sci-fi","action","horror","fantasy"]', 1.0),
    ('intellectual', '{Drama,War,Documentary,Mystery}', '{Animation}',
     '["drama","war","documentary","film-noir"]', 1.0),
    ('practical', '{Documentary,Crime,Western}', '{Musical}',
     '["documentary","crime","western","thriller"]', 1.0),
    ('creative', '{Musical,Film-Noir,Animation,Fantasy}', '{War}',
     '["musical","film-noir","animation","fantasy","mystery"]', 1.0),
    ('social', '{Comedy,Children''s,Romance}', '{Horror,Film-Noir}',
     '["comedy","children''s","romance","musical"]', 1.0);
