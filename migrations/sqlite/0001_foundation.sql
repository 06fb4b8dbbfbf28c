-- Foundation: tenants, users, locations, settings, sign-in throttling and the audit log.
-- Flags are BIGINT 0/1 in both dialects: the sqlx Any driver has no SQLite boolean type.
-- Instants are unix seconds (UTC); local dates are 'YYYY-MM-DD' text; money is integer minor units.
CREATE TABLE tenants (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    plan TEXT NOT NULL CHECK (plan IN ('basic', 'retail', 'enterprise')),
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('staff', 'admin', 'manager')),
    tenant_id BIGINT REFERENCES tenants (id),
    may_edit_manually BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1,
    language TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    CHECK ((role = 'staff') = (tenant_id IS NULL))
);
CREATE INDEX users_tenant ON users (tenant_id, id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE login_throttle (
    email TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    locked_until BIGINT NOT NULL
);

CREATE TABLE locations (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT NOT NULL REFERENCES tenants (id),
    location_id TEXT NOT NULL,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, id),
    UNIQUE (tenant_id, location_id)
);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    tenant_id BIGINT REFERENCES tenants (id),
    at BIGINT NOT NULL,
    actor_user_id BIGINT,
    actor_email TEXT NOT NULL,
    acting_staff BIGINT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
