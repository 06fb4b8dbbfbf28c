-- Mail: the outbox the worker sends from, and the single-use links of "Forgot your password?".
--
-- mail_outbox: one row per message. Pages only insert here; the worker claims due rows with a
-- lease, sends them, and either marks them sent (emptying their content) or sets the next
-- attempt. The content (subject and both bodies, JSON) is encrypted with the secret key, as a
-- reset link in it must not be readable by whoever reads the database. tenant_id is the tenant
-- the message is about (none for onboarding staff and the operator's test message).
CREATE TABLE mail_outbox (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('test', 'password_reset', 'alert', 'digest')),
    recipient TEXT NOT NULL CHECK (length(recipient) BETWEEN 3 AND 320),
    sealed_content TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    lease_owner TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    sent_at BIGINT,
    gave_up_at BIGINT,
    last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id)
    WHERE sent_at IS NULL AND gave_up_at IS NULL;
CREATE INDEX mail_outbox_tenant ON mail_outbox (tenant_id, id);

-- password_resets: only the SHA-256 of each link's token is kept. A link is used by setting
-- used_at in the same transaction as the new password.
CREATE TABLE password_resets (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    tenant_id BIGINT REFERENCES tenants (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX password_resets_user ON password_resets (user_id);

-- integration_alerts: the cause each integration's admins were last told about ('' when it is
-- healthy), so they get one mail per cause, one on recovery, and never a flood.
CREATE TABLE integration_alerts (
    tenant_id BIGINT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    integration_id BIGINT NOT NULL,
    cause TEXT NOT NULL,
    since BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, integration_id)
);

-- Onboarding staff who asked for every tenant's integration alerts (1), on their account page.
ALTER TABLE users ADD COLUMN mail_all_alerts BIGINT NOT NULL DEFAULT 0;

-- Digests a manager or admin asked for on their account page (1), and the first day of the
-- last period each was sent for (YYYY-MM-DD, '' before the first): a period is sent once.
ALTER TABLE users ADD COLUMN digest_daily BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN digest_weekly BIGINT NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN digest_daily_sent TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN digest_weekly_sent TEXT NOT NULL DEFAULT '';
