//! Redirect targets taken from a request: only a path on this site is followed, anything else
//! (another site, a scheme, a control character) becomes `/`.

/// `candidate` when it is a local path a browser cannot read as another site, else `None`.
///
/// Browsers treat `//host`, `/\host` and `\\host` as another site, strip tabs and newlines
/// before parsing, and a CR/LF in a `Location` header cannot be sent at all, so all of those
/// are refused rather than cleaned.
pub fn local_path(candidate: &str) -> Option<&str> {
    let rest = candidate.strip_prefix('/')?;
    let refused = rest.starts_with('/')
        || rest.starts_with('\\')
        || candidate.contains('\\')
        || candidate
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
        || !candidate.is_ascii();
    (!refused).then_some(candidate)
}

/// The first candidate that is a local path, else `/`.
pub fn local_or_home<'a>(candidates: impl IntoIterator<Item = &'a str>) -> String {
    candidates
        .into_iter()
        .find_map(local_path)
        .unwrap_or("/")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_pass() {
        for good in [
            "/",
            "/reports/totals?from=2026-03-01&to=2026-03-31",
            "/admin/users/3",
        ] {
            assert_eq!(local_path(good), Some(good));
        }
        for bad in [
            "",
            "reports",
            "//evil.example/",
            "/\\evil.example/",
            "\\\\evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/x\ty",
            "/ \u{7f}",
            "https://evil.example/",
            "javascript:alert(1)",
            "/é",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?} accepted");
        }
        // Percent-encoded bytes stay text inside the path: harmless.
        assert_eq!(local_path("/a%0d%0ab"), Some("/a%0d%0ab"));
        assert_eq!(local_or_home(["//evil", "/ok"]), "/ok");
        assert_eq!(local_or_home(["//evil"]), "/");
    }
}
