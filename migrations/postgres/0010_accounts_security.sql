-- Accounts and security.
-- session_generation: a signed-in session remembers the generation it was made in; raising it
-- (deactivation, a new password or role) ends every session of the user at once.
-- must_change_password: set by a password reset, cleared when the user picks their own.
ALTER TABLE users ADD COLUMN session_generation BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;

-- Sign-in throttle counters, one per key: an account, a client address, or both together.
DROP TABLE login_throttle;
CREATE TABLE login_throttle (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX login_throttle_updated ON login_throttle (updated_at);
