-- personality_ext: the seed's four tables and indexes (docs: README "Schema").
--
-- Every name, column, type, default and CHECK constraint below is the seed's
-- (shared/seed/personality_audit.md); tests/fixtures/seed_schema.sql holds the seed's
-- own text and tests compare the two through the catalogs. Two deliberate differences:
--   * ids default to gen_random_uuid() (core since PG 13) instead of uuid-ossp's
--     uuid_generate_v4(); the values are the same kind (random v4 UUIDs);
--   * the foreign keys to the host's profiles(id) / products(id), and the one from
--     personality_recommendations to personality_profiles, are not written inline:
--     _personality_link_host() (host_link.sql) adds them under the names Postgres
--     would have given them, as soon as the host tables exist. This is what
--     lets pg_restore, which runs CREATE EXTENSION before it creates the host's
--     tables, restore a database that uses this extension.

CREATE TABLE personality_profiles (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL,

    primary_type VARCHAR(50) NOT NULL,
    secondary_types TEXT[] DEFAULT '{}',
    personality_scores JSONB NOT NULL,
    confidence_level DECIMAL(3,2) DEFAULT 0.5,

    quiz_responses JSONB DEFAULT '{}',
    assessment_method VARCHAR(50) DEFAULT 'quiz',
    total_questions_answered INTEGER DEFAULT 0,

    feature_vector JSONB,
    clustering_segment VARCHAR(50),

    version VARCHAR(20) DEFAULT '1.0',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),
    last_assessment_at TIMESTAMPTZ DEFAULT NOW(),

    CONSTRAINT valid_confidence CHECK (confidence_level >= 0.0 AND confidence_level <= 1.0),
    CONSTRAINT unique_user_profile UNIQUE(user_id)
);

CREATE TABLE personality_gift_mappings (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    personality_type VARCHAR(50) NOT NULL,

    recommended_categories TEXT[] NOT NULL,
    avoided_categories TEXT[] DEFAULT '{}',
    product_tags JSONB DEFAULT '[]',

    recommendation_weight DECIMAL(3,2) NOT NULL,
    confidence_score DECIMAL(3,2) DEFAULT 0.8,
    evidence_strength VARCHAR(20) DEFAULT 'medium',

    occasion_relevance JSONB DEFAULT '{}',
    price_range_modifier JSONB DEFAULT '{}',
    demographic_filters JSONB DEFAULT '{}',

    algorithm_version VARCHAR(20) DEFAULT '1.0',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),

    CONSTRAINT valid_weight CHECK (recommendation_weight >= 0.0 AND recommendation_weight <= 1.0),
    CONSTRAINT valid_confidence CHECK (confidence_score >= 0.0 AND confidence_score <= 1.0)
);

CREATE TABLE personality_assessment_history (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL,

    assessment_data JSONB NOT NULL,
    personality_scores JSONB NOT NULL,
    primary_type VARCHAR(50) NOT NULL,

    assessment_trigger VARCHAR(50) NOT NULL,
    questions_answered INTEGER NOT NULL,
    completion_time_seconds INTEGER,
    assessment_quality_score DECIMAL(3,2),

    user_swipes_count INTEGER DEFAULT 0,
    user_purchases_count INTEGER DEFAULT 0,
    behavioral_consistency DECIMAL(3,2),

    assessment_timestamp TIMESTAMPTZ DEFAULT NOW(),
    created_at TIMESTAMPTZ DEFAULT NOW(),

    CONSTRAINT valid_quality CHECK (assessment_quality_score >= 0.0 AND assessment_quality_score <= 1.0)
);

CREATE TABLE personality_recommendations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL,
    product_id UUID NOT NULL,
    personality_profile_id UUID NOT NULL,

    personality_match_score DECIMAL(5,4) NOT NULL,
    category_alignment_score DECIMAL(5,4) NOT NULL,
    behavioral_prediction DECIMAL(5,4) NOT NULL,
    combined_score DECIMAL(5,4) NOT NULL,

    recommendation_reasons JSONB DEFAULT '[]',
    personality_factors JSONB DEFAULT '{}',
    confidence_level DECIMAL(3,2) NOT NULL,

    is_shown BOOLEAN DEFAULT FALSE,
    is_swiped BOOLEAN DEFAULT FALSE,
    swipe_direction VARCHAR(10),
    is_purchased BOOLEAN DEFAULT FALSE,

    recommendation_context VARCHAR(50) DEFAULT 'discover',
    generated_at TIMESTAMPTZ DEFAULT NOW(),
    shown_at TIMESTAMPTZ,
    interacted_at TIMESTAMPTZ,

    algorithm_version VARCHAR(20) DEFAULT '1.0',
    created_at TIMESTAMPTZ DEFAULT NOW(),
    updated_at TIMESTAMPTZ DEFAULT NOW(),

    CONSTRAINT valid_personality_match CHECK (personality_match_score >= 0.0 AND personality_match_score <= 1.0),
    CONSTRAINT valid_category_alignment CHECK (category_alignment_score >= 0.0 AND category_alignment_score <= 1.0),
    CONSTRAINT valid_behavioral_prediction CHECK (behavioral_prediction >= 0.0 AND behavioral_prediction <= 1.0),
    CONSTRAINT valid_combined_score CHECK (combined_score >= 0.0 AND combined_score <= 1.0),
    CONSTRAINT valid_confidence CHECK (confidence_level >= 0.0 AND confidence_level <= 1.0),
    CONSTRAINT unique_user_product_personality UNIQUE(user_id, product_id, personality_profile_id)
);

-- The seed's indexes, under the seed's names.
CREATE INDEX idx_personality_profiles_user_id ON personality_profiles(user_id);
CREATE INDEX idx_personality_profiles_primary_type ON personality_profiles(primary_type);
CREATE INDEX idx_personality_profiles_confidence ON personality_profiles(confidence_level DESC);
CREATE INDEX idx_personality_profiles_updated ON personality_profiles(updated_at DESC);

CREATE INDEX idx_personality_gift_mappings_type ON personality_gift_mappings(personality_type);
CREATE INDEX idx_personality_gift_mappings_weight ON personality_gift_mappings(recommendation_weight DESC);
CREATE INDEX idx_personality_gift_mappings_categories ON personality_gift_mappings USING GIN(recommended_categories);

CREATE INDEX idx_personality_assessment_user_time ON personality_assessment_history(user_id, assessment_timestamp DESC);
CREATE INDEX idx_personality_assessment_trigger ON personality_assessment_history(assessment_trigger);
CREATE INDEX idx_personality_assessment_quality ON personality_assessment_history(assessment_quality_score DESC);

CREATE INDEX idx_personality_recommendations_user_score ON personality_recommendations(user_id, combined_score DESC);
CREATE INDEX idx_personality_recommendations_shown ON personality_recommendations(user_id, is_shown) WHERE is_shown = false;
CREATE INDEX idx_personality_recommendations_performance ON personality_recommendations(is_shown, is_swiped, is_purchased);
CREATE INDEX idx_personality_recommendations_context ON personality_recommendations(recommendation_context);

CREATE INDEX idx_personality_scores_gin ON personality_profiles USING GIN(personality_scores);
CREATE INDEX idx_personality_features_gin ON personality_profiles USING GIN(feature_vector);
CREATE INDEX idx_personality_factors_gin ON personality_recommendations USING GIN(personality_factors);

-- Every row of these tables is application data: without this, pg_dump would skip it.
SELECT pg_catalog.pg_extension_config_dump('personality_profiles', '');
SELECT pg_catalog.pg_extension_config_dump('personality_gift_mappings', '');
SELECT pg_catalog.pg_extension_config_dump('personality_assessment_history', '');
SELECT pg_catalog.pg_extension_config_dump('personality_recommendations', '');

COMMENT ON TABLE personality_profiles IS
  'One personality profile per user (seed contract): five trait scores 0..100 in personality_scores, primary/secondary types and confidence. Rows are dumped by pg_dump.';
COMMENT ON TABLE personality_gift_mappings IS
  'Which gift categories and product tags suit each personality trait (seed contract). Seeded with defaults for the five traits; operator edits survive pg_dump/pg_restore.';
COMMENT ON TABLE personality_assessment_history IS
  'Append-only history of personality assessments per user (seed contract), for trend analysis.';
COMMENT ON TABLE personality_recommendations IS
  'Personality-based product recommendations per user with explainable scores and interaction tracking (seed contract).';
