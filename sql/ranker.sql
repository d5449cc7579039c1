-- The learnt ranker (issue 23; README "How recommendations are made"): the weights of
-- personality_recommend's score, learnt by personality_refresh_model() from the
-- install's own swipes (personality_core::ranker::learn), each pinnable by the operator.

CREATE TABLE personality_ranker_weights (
    feature text PRIMARY KEY,
    -- NULL until a refresh learnt it (then also when the defaults stayed)
    learnt float8,
    -- the operator's value: wins over learnt and default while not NULL (a non-finite
    -- one is ignored: the default applies)
    pinned float8
);
COMMENT ON TABLE personality_ranker_weights IS
  'The weights of personality_recommend''s score, one row per feature (personality_ranker shows them in use). learnt: written by personality_refresh_model() from the install''s own swipes (NULL while it had too few, or when the learnt weights did not beat the defaults on held-out swipes); pinned: set by the operator (UPDATE personality_ranker_weights SET pinned = 0.5 WHERE feature = ''popularity''), wins over learnt and default; NULL to unpin. Owner and superusers only.';
ALTER TABLE personality_ranker_weights ENABLE ROW LEVEL SECURITY;

CREATE TABLE personality_ranker_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    learnt_at timestamptz,
    -- 'learnt', or why the defaults apply
    status text NOT NULL DEFAULT 'defaults: not learnt yet (no refresh)',
    examples integer NOT NULL DEFAULT 0,
    pairs integer NOT NULL DEFAULT 0,
    -- held-out pairwise AUC of the learnt and of the default weights
    auc_learnt float8,
    auc_default float8,
    swipes_read bigint NOT NULL DEFAULT 0,
    ms float8
);
COMMENT ON TABLE personality_ranker_state IS
  'One row (none before the first refresh): the last training of the ranker''s weights by personality_refresh_model(): when, its outcome (status: learnt, or why the defaults apply), the examples and pairs it used, the held-out pairwise AUC of the learnt and the default weights, the swipes it read and how long it took.';
ALTER TABLE personality_ranker_state ENABLE ROW LEVEL SECURITY;

CREATE VIEW personality_ranker AS
SELECT d.ord, d.feature, coalesce(w.pinned, w.learnt, d.default_weight) AS weight,
       CASE WHEN w.pinned IS NOT NULL THEN 'pinned'
            WHEN w.learnt IS NOT NULL THEN 'learnt'
            ELSE 'default' END AS source,
       w.learnt, d.default_weight, w.pinned,
       coalesce(s.status, 'defaults: not learnt yet (no refresh)') AS status,
       coalesce(s.examples, 0) AS examples, s.learnt_at, s.auc_learnt, s.auc_default
  FROM @extschema@._personality_ranker_defaults() d
  LEFT JOIN @extschema@.personality_ranker_weights w ON w.feature OPERATOR(pg_catalog.=) d.feature
  LEFT JOIN @extschema@.personality_ranker_state s ON s.id;
COMMENT ON VIEW personality_ranker IS
  'The weights personality_recommend scores with, one row per feature, with where each comes from (source: pinned by the operator, learnt by the last refresh, or default), the learnt, default and pinned values, and the last training''s outcome (status says why the defaults apply: too few swipes, or the learnt weights did not order held-out swipes better). Features: personality_fit, collaborative, co_like_support, item_quality, popularity, favourite_category, side_popularity and the crosses with the person''s evidence (_x_evidence: times n/(n+10), n their swipes). Owner, superusers and service_role.';
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON @extschema@.personality_ranker TO service_role;
    END IF;
END;
$$;
COMMENT ON FUNCTION _personality_ranker_defaults() IS
  'Internal: the ranker''s features and default weights (personality_core::ranker), for the personality_ranker view.';
COMMENT ON FUNCTION _personality_learn_ranker() IS
  'Internal: learns the ranker''s weights from the swipes of the attached swipe tables (personality_core::ranker::learn: time-respecting, pairwise, seeded, at most 5,000 examples from the 200,000 most recent swipes) and stores them in personality_ranker_weights and personality_ranker_state; personality_refresh_model() calls it after the model is refreshed. Returns what it did as jsonb.';
