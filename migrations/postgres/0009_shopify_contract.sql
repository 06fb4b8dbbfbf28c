-- What Shopify said about the contract: a note on an import run when Shopify priced the
-- orders page higher than TMAS did (the page was made smaller), and the Admin API version
-- Shopify last answered with for an integration (shown when it is not the one TMAS asks for).
ALTER TABLE import_runs ADD COLUMN note TEXT NOT NULL DEFAULT '';
ALTER TABLE integrations ADD COLUMN api_version_answered TEXT;
