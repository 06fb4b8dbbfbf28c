//! Shopify's Admin API schema of the version TMAS pins, compiled into the binary: the
//! contract every document TMAS sends is checked and priced against, and that the simulator
//! enforces. Upgrading the API version is this one constant plus one schema file (see
//! `shopify-schema/SOURCES.md`).

use std::sync::LazyLock;

use apollo_compiler::validation::Valid;
use apollo_compiler::{ExecutableDocument, Schema};
use std::io::Read;

/// The Admin API version TMAS pins, as a literal so the schema file can be named from it.
macro_rules! pinned_version {
    () => {
        "2026-10"
    };
}

/// The Admin API version TMAS asks for (`/admin/api/{version}/graphql.json`).
pub const API_VERSION: &str = pinned_version!();

/// The SDL of [`API_VERSION`], gzipped as Shopify's package ships it (~0.6 MB instead of 3.7).
static SDL_GZ: &[u8] = include_bytes!(concat!(
    "../../shopify-schema/admin_",
    pinned_version!(),
    ".graphql.gz"
));

/// The parsed schema, shared by everything in the process (client pricing and the
/// simulator). It is large, so it is parsed once, on first use.
static SCHEMA: LazyLock<Valid<Schema>> = LazyLock::new(|| {
    let sdl = sdl().expect("the schema compiled into TMAS is gzip (checked by the tests)");
    let path = concat!("admin_", pinned_version!(), ".graphql");
    match Schema::parse_and_validate(sdl, path) {
        Ok(schema) => schema,
        // Shopify's own schema may use a construct the validator is stricter about than
        // Shopify's server; it is still the contract, so take it as Shopify serves it.
        Err(with_errors) => Valid::assume_valid(with_errors.partial),
    }
});

/// The SDL text of the pinned version.
pub fn sdl() -> std::io::Result<String> {
    let mut text = String::with_capacity(4 << 20);
    flate2::read::GzDecoder::new(SDL_GZ).read_to_string(&mut text)?;
    Ok(text)
}

/// Shopify's Admin API schema of [`API_VERSION`].
pub fn admin() -> &'static Valid<Schema> {
    &SCHEMA
}

/// Parses and validates one of TMAS's documents against the schema; the error lists every
/// problem with its line and column.
pub fn validate(document: &str, name: &str) -> Result<Valid<ExecutableDocument>, String> {
    ExecutableDocument::parse_and_validate(admin(), document, name).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_compiled_schema_is_the_pinned_version_and_knows_what_tmas_reads() {
        let s = admin();
        assert_eq!(
            s.schema_definition.query.as_deref().map(|n| n.as_str()),
            Some("QueryRoot")
        );
        assert!(s.type_field("Order", "retailLocation").is_ok());
        assert!(s.type_field("Refund", "processedAt").is_ok());
        assert!(s.type_field("Order", "noSuchField").is_err());
        assert_eq!(API_VERSION, "2026-10");
    }

    #[test]
    fn the_compiled_schema_is_the_file_sources_md_names() {
        use sha2::{Digest, Sha256};
        let sources = include_str!("../../shopify-schema/SOURCES.md");
        let digest = hex::encode(Sha256::digest(SDL_GZ));
        let row = sources
            .lines()
            .find(|l| l.starts_with(&format!("| `admin_{API_VERSION}.graphql.gz`")))
            .expect("SOURCES.md lists the compiled schema");
        assert!(
            row.contains(&digest),
            "SOURCES.md has another sha256 than {digest}"
        );
        assert!(sdl().expect("gzip").starts_with("schema {"));
    }

    #[test]
    fn validation_reports_where_a_document_is_wrong() {
        let e = validate("query Q { shop { nme } }", "q.graphql").expect_err("nme is not a field");
        assert!(e.contains("nme"), "{e}");
        assert!(e.contains("q.graphql:1:"), "{e}");
    }
}
