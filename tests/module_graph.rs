//! The crate's file-level import graph has no circles: every `crate::`, `super::` and `self::`
//! path in `src/` (the library; the binaries are their own crates) is an arrow from its file to
//! the file of the module it names, and no arrows may lead back to where they started.
//!
//! Code under `#[cfg(test)]` is left out: a module's tests may reach whatever they check, and
//! nothing is built on top of them. A parent reaching its children by their bare names
//! (`mod run;` then `run::run_claimed`) is the module tree itself, not an import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Circles that remain on purpose, each with why. The test fails when one of them is gone, so
/// that the list only ever shrinks.
const KNOWN_CIRCLES: &[(&[&str], &str)] = &[];

#[test]
fn no_import_circle_spans_two_files() {
    let graph = Graph::of_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let circles = graph.circles();
    let known: Vec<BTreeSet<String>> = KNOWN_CIRCLES
        .iter()
        .map(|(files, _)| files.iter().map(|f| f.to_string()).collect())
        .collect();

    let new: Vec<String> = circles
        .iter()
        .filter(|c| !known.contains(c))
        .map(|c| graph.describe(c))
        .collect();
    assert!(
        new.is_empty(),
        "import circles across files (each file, then the files of the circle it imports):\n{}",
        new.join("\n")
    );

    let gone: Vec<String> = known
        .iter()
        .filter(|k| !circles.contains(k))
        .map(|k| format!("{k:?}"))
        .collect();
    assert!(
        gone.is_empty(),
        "known circles that are gone (remove them from KNOWN_CIRCLES): {}",
        gone.join(", ")
    );
}

/// What the storage layer may import besides itself: the domain's types, and the helper
/// that makes the SQLite file private (a leaf that imports nothing of the crate).
const DB_MAY_IMPORT: &[&str] = &["src/domain/", "src/private_files.rs"];

#[test]
fn the_storage_layer_imports_only_the_domain() {
    let graph = Graph::of_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let outside: Vec<String> = graph
        .edges
        .iter()
        .filter(|(file, _)| file.starts_with("src/db/"))
        .flat_map(|(file, targets)| {
            targets
                .iter()
                .filter(|(target, _)| {
                    !target.starts_with("src/db/")
                        && !DB_MAY_IMPORT
                            .iter()
                            .any(|allowed| target.starts_with(allowed))
                })
                .map(move |(target, path)| format!("  {file} -> {target} ({path})"))
        })
        .collect();
    assert!(
        outside.is_empty(),
        "the storage layer reaches above itself:\n{}",
        outside.join("\n")
    );
}

#[test]
fn the_reader_finds_paths_in_uses_and_code_but_not_in_text_or_tests() {
    let files: BTreeMap<Vec<String>, String> = [
        (vec![], "src/lib.rs"),
        (vec!["a".to_string()], "src/a/mod.rs"),
        (vec!["a".to_string(), "b".to_string()], "src/a/b.rs"),
        (vec!["c".to_string()], "src/c.rs"),
        (vec!["d".to_string()], "src/d.rs"),
        (vec!["e".to_string()], "src/e.rs"),
        (vec!["f".to_string()], "src/f.rs"),
        (vec!["g".to_string()], "src/g.rs"),
    ]
    .into_iter()
    .map(|(m, f)| (m, f.to_string()))
    .collect();
    let source = r#"
        use super::{b::Thing, *};
        use crate::{c::{self, C}, d::D as Dee};
        // crate::g::in_a_comment
        const TEXT: &str = "crate::g::in_a_string";
        fn f<'a>() -> char { let _ = crate::f::call(); '"' }
        mod inline { use super::super::super::e; }
        #[cfg(test)]
        mod tests { use crate::g::G; }
    "#;
    let targets = imports(source, &["a".to_string(), "b".to_string()], &files);
    let targets: BTreeSet<&str> = targets.keys().map(String::as_str).collect();
    assert_eq!(
        targets,
        BTreeSet::from([
            "src/a/b.rs",
            "src/a/mod.rs",
            "src/c.rs",
            "src/d.rs",
            "src/e.rs",
            "src/f.rs"
        ])
    );
}

/// Files (as `src/…` paths) and, for each, the files it imports with one path that shows why.
struct Graph {
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

impl Graph {
    fn of_crate(src: &Path) -> Graph {
        let mut paths = Vec::new();
        rust_files(src, &mut paths);
        let root = src.parent().expect("src has a parent");
        let name = |p: &Path| {
            p.strip_prefix(root)
                .expect("under the crate")
                .to_string_lossy()
                .replace('\\', "/")
        };
        let library: Vec<&PathBuf> = paths
            .iter()
            .filter(|p| !name(p).starts_with("src/bin/") && name(p) != "src/main.rs")
            .collect();
        let modules: BTreeMap<Vec<String>, String> = library
            .iter()
            .map(|p| (module_of(&name(p)), name(p)))
            .collect();
        let edges = library
            .iter()
            .map(|p| {
                let source = std::fs::read_to_string(p).expect("a readable source file");
                let file = name(p);
                let mut targets = imports(&source, &module_of(&file), &modules);
                targets.remove(&file);
                (file, targets)
            })
            .collect();
        Graph { edges }
    }

    /// The strongly connected groups of two or more files (Tarjan's algorithm).
    fn circles(&self) -> Vec<BTreeSet<String>> {
        struct Walk<'g> {
            graph: &'g Graph,
            index: BTreeMap<&'g str, usize>,
            low: BTreeMap<&'g str, usize>,
            stack: Vec<&'g str>,
            found: Vec<BTreeSet<String>>,
        }
        impl<'g> Walk<'g> {
            fn visit(&mut self, file: &'g str) {
                let n = self.index.len();
                self.index.insert(file, n);
                self.low.insert(file, n);
                self.stack.push(file);
                for next in self.graph.edges[file].keys() {
                    let next = next.as_str();
                    if !self.index.contains_key(next) {
                        self.visit(next);
                        let low = self.low[file].min(self.low[next]);
                        self.low.insert(file, low);
                    } else if self.stack.contains(&next) {
                        let low = self.low[file].min(self.index[next]);
                        self.low.insert(file, low);
                    }
                }
                if self.low[file] == self.index[file] {
                    let mut group = BTreeSet::new();
                    while let Some(top) = self.stack.pop() {
                        group.insert(top.to_string());
                        if top == file {
                            break;
                        }
                    }
                    if group.len() > 1 {
                        self.found.push(group);
                    }
                }
            }
        }
        let mut walk = Walk {
            graph: self,
            index: BTreeMap::new(),
            low: BTreeMap::new(),
            stack: Vec::new(),
            found: Vec::new(),
        };
        for file in self.edges.keys() {
            if !walk.index.contains_key(file.as_str()) {
                walk.visit(file);
            }
        }
        walk.found
    }

    fn describe(&self, circle: &BTreeSet<String>) -> String {
        let mut lines = vec![format!("circle of {} files:", circle.len())];
        for file in circle {
            for (target, path) in &self.edges[file] {
                if circle.contains(target) {
                    lines.push(format!("  {file} -> {target} ({path})"));
                }
            }
        }
        lines.join("\n")
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `src/db/mod.rs` is `db`, `src/db/imports.rs` is `db::imports`, `src/lib.rs` the crate.
fn module_of(file: &str) -> Vec<String> {
    let inner = file.trim_start_matches("src/").trim_end_matches(".rs");
    let mut parts: Vec<String> = inner.split('/').map(str::to_string).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The files that `source` (the file of module `module`) names, each with the first path seen.
fn imports(
    source: &str,
    module: &[String],
    modules: &BTreeMap<Vec<String>, String>,
) -> BTreeMap<String, String> {
    let code = code_only(source);
    let tokens = tokens(&code);
    let mut found = BTreeMap::new();
    // Inline modules (`mod inline { … }`) move `super::` and `self::` one level down.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0;
    let mut i = 0;
    while i < tokens.len() {
        let t = tokens[i];
        if tokens[i..].starts_with(&["#", "[", "cfg", "(", "test", ")", "]"]) {
            i = end_of_item(&tokens, i + 7);
            continue;
        }
        if t == "mod" && tokens.get(i + 2) == Some(&"{") {
            inline.push((tokens[i + 1].to_string(), depth));
            depth += 1;
            i += 3;
            continue;
        }
        match t {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
            }
            "crate" | "super" | "self"
                if tokens.get(i + 1) == Some(&"::") && (i == 0 || tokens[i - 1] != "::") =>
            {
                let mut base: Vec<String> = module.to_vec();
                base.extend(inline.iter().map(|(name, _)| name.clone()));
                let mut j = i;
                while matches!(tokens[j], "crate" | "super" | "self") && tokens[j + 1] == "::" {
                    match tokens[j] {
                        "crate" => base.clear(),
                        "super" => {
                            base.pop();
                        }
                        _ => {}
                    }
                    j += 2;
                }
                let mut paths = Vec::new();
                use_tree(&tokens, j, base, &mut paths);
                for path in paths {
                    if let Some(file) = file_of(&path, modules) {
                        found
                            .entry(file)
                            .or_insert_with(|| written(&tokens[i..], &path));
                    }
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

/// How the path looked, for the failure message: its leading keywords and the module named.
fn written(tokens: &[&str], path: &[String]) -> String {
    let keywords: Vec<&str> = tokens
        .chunks(2)
        .take_while(|pair| matches!(pair[0], "crate" | "super" | "self"))
        .map(|pair| pair[0])
        .collect();
    format!("{}::… → {}", keywords.join("::"), path.join("::"))
}

/// The deepest module file that `path` lies in.
fn file_of(path: &[String], modules: &BTreeMap<Vec<String>, String>) -> Option<String> {
    (0..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n]).cloned())
}

/// Reads a path or a use tree (`a::{b::C, d}`) from `i`, pushing every full path.
fn use_tree(
    tokens: &[&str],
    mut i: usize,
    mut prefix: Vec<String>,
    out: &mut Vec<Vec<String>>,
) -> usize {
    while i < tokens.len() {
        let t = tokens[i];
        if t == "{" {
            i += 1;
            while i < tokens.len() && tokens[i] != "}" {
                i = use_tree(tokens, i, prefix.clone(), out);
                if tokens.get(i) == Some(&",") {
                    i += 1;
                }
            }
            return i + 1;
        }
        if is_identifier(t) {
            if t != "self" {
                prefix.push(t.to_string());
            }
            i += 1;
            if tokens.get(i) == Some(&"::") {
                i += 1;
                continue;
            }
            if tokens.get(i) == Some(&"as") {
                i += 2;
            }
            break;
        }
        if t == "*" {
            i += 1;
        }
        break;
    }
    out.push(prefix);
    i
}

/// Skips the item after an attribute: up to its `;` or past its `{ … }` block.
fn end_of_item(tokens: &[&str], mut i: usize) -> usize {
    while i < tokens.len() && tokens[i] != "{" && tokens[i] != ";" {
        i += 1;
    }
    if tokens.get(i) != Some(&"{") {
        return i + 1;
    }
    let mut depth = 0;
    while i < tokens.len() {
        match tokens[i] {
            "{" => depth += 1,
            "}" => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    i
}

fn is_identifier(t: &str) -> bool {
    t.starts_with(|c: char| c.is_alphabetic() || c == '_')
}

/// Identifiers, `::`, and single punctuation characters.
fn tokens(code: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
            let start = i;
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] >= 0x80)
            {
                i += 1;
            }
            out.push(&code[start..i]);
        } else if code[i..].starts_with("::") {
            out.push("::");
            i += 2;
        } else {
            out.push(&code[i..i + 1]);
            i += 1;
        }
    }
    out
}

/// The source with comments removed and string and character literals emptied, so that text
/// that only looks like a path is not read as one.
fn code_only(source: &str) -> String {
    let s = source.as_bytes();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let starts_word = |i: usize| i == 0 || !(s[i - 1].is_ascii_alphanumeric() || s[i - 1] == b'_');
    while i < s.len() {
        if s[i..].starts_with(b"//") {
            while i < s.len() && s[i] != b'\n' {
                i += 1;
            }
        } else if s[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < s.len() {
                if s[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if s[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if let Some(hashes) = raw_string_start(&s[i..]).filter(|_| starts_word(i)) {
            let (open, close) = hashes;
            i += open;
            while i < s.len() && !s[i..].starts_with(&close) {
                i += 1;
            }
            i += close.len();
            out.push_str("\"\"");
        } else if s[i] == b'"' {
            i += 1;
            while i < s.len() && s[i] != b'"' {
                i += if s[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else if s[i] == b'\'' {
            match char_literal_len(&source[i..]) {
                Some(len) => {
                    i += len;
                    out.push_str("' '");
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            let c = source[i..].chars().next().expect("inside the source");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// For `r"`, `r#"`, `br##"` …: the length of the opening and the closing bytes.
fn raw_string_start(s: &[u8]) -> Option<(usize, Vec<u8>)> {
    let mut i = usize::from(s.first() == Some(&b'b'));
    if s.get(i) != Some(&b'r') {
        return None;
    }
    i += 1;
    let hashes = s[i..].iter().take_while(|&&c| c == b'#').count();
    i += hashes;
    if s.get(i) != Some(&b'"') {
        return None;
    }
    let mut close = vec![b'"'];
    close.extend(std::iter::repeat_n(b'#', hashes));
    Some((i + 1, close))
}

/// `'a'`, `'\n'`, `'\u{1F600}'` are characters; `'a` (a lifetime) is not.
fn char_literal_len(s: &str) -> Option<usize> {
    let mut chars = s.char_indices().skip(1);
    let (_, first) = chars.next()?;
    if first == '\\' {
        let end = s.get(3..)?.find('\'')?;
        return Some(end + 4);
    }
    let (at, next) = chars.next()?;
    (next == '\'').then_some(at + 1)
}
