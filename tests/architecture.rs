//! The house rules of `src/`, read from the code itself so that a change
//! that breaks one fails here, naming the files:
//!
//! - the import graph between files has no circle (a parent module that
//!   re-exports a child, and a child that imports its parent back, is one);
//! - the stages import only downward: `model` ← `config` ← `analyze` ←
//!   `evidence` ← `sources` ← `report` ← `ledger` ← `scan` ← `demo` ← the crate root ←
//!   the binary (`main.rs`, `commands/`);
//! - the HTTP layer (`fetch`, `frontier`, `guard`, `robots`, `sitemap`)
//!   imports nothing but `model` and `config`;
//! - no file in `src/` is over 800 lines, and every one says what it is for
//!   (`//!`).
//!
//! Imports are read as text: `use` trees and `crate::`/`super::`/`self::`/
//! `micar_scan::` paths in code, with comments, string literals and inline
//! `#[cfg(test)]` modules left out. Test files (`tests.rs`) are not rooms of
//! the house. Run `cargo test --test architecture -- --nocapture` to print
//! the graph's figures.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

/// Stage floors, lowest first. A file may import from its own floor or
/// below, never from above.
const FLOORS: &[&str] = &[
    "model", "config", "analyze", "evidence", "sources", "report", "ledger", "scan", "demo",
    "(lib)", "(bin)",
];

/// The HTTP layer and the only stages it may import.
const HTTP_LAYER: &[&str] = &[
    "sources::fetch",
    "sources::frontier",
    "sources::guard",
    "sources::robots",
    "sources::sitemap",
];
const HTTP_LAYER_MAY_IMPORT: &[&str] = &["model", "config"];

/// One source file as a module of one of the two crates.
#[derive(Debug, Clone)]
struct Room {
    file: PathBuf,
    /// `lib` or `bin`.
    krate: &'static str,
    /// Module path from the crate root (empty for `lib.rs` / `main.rs`).
    module: Vec<String>,
    /// Child modules declared here with `mod name;`.
    children: BTreeSet<String>,
    /// The code with comments, strings and inline test modules removed.
    code: String,
    lines: usize,
    has_module_doc: bool,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// Removes comments, string and char literals (keeping line breaks), so that
/// paths in docs and messages are not read as imports.
fn strip(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(text.len(), |n| i + n);
            i = end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(text.len(), |n| i + n + 2);
            out.extend(text[i..end].chars().filter(|&c| c == '\n'));
            i = end;
        } else if let Some(hashes) = raw_string_start(rest) {
            let open = 2 + hashes;
            let close = format!("\"{}", "#".repeat(hashes));
            let end = rest[open..]
                .find(&close)
                .map_or(text.len(), |n| i + open + n + close.len());
            out.push_str("\"\"");
            out.extend(text[i..end].chars().filter(|&c| c == '\n'));
            i = end;
        } else if rest.starts_with('"') {
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            out.extend(text[i..j.min(text.len())].chars().filter(|&c| c == '\n'));
            i = (j + 1).min(text.len());
        } else if let Some(len) = char_literal(rest) {
            out.push_str("' '");
            i += len;
        } else {
            let c = rest.chars().next().expect("not at the end");
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn raw_string_start(rest: &str) -> Option<usize> {
    let after_r = rest.strip_prefix('r').or_else(|| rest.strip_prefix("br"))?;
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    after_r[hashes..]
        .starts_with('"')
        .then_some(hashes + usize::from(rest.starts_with('b')))
}

/// Length of a char literal at the start of `rest` (`'a'`, `'\''`, `'"'`),
/// or `None` for a lifetime.
fn char_literal(rest: &str) -> Option<usize> {
    let mut chars = rest.char_indices();
    chars.next().filter(|(_, c)| *c == '\'')?;
    let (_, first) = chars.next()?;
    if first == '\\' {
        let close = rest[2..].find('\'')?;
        return Some(2 + close + 1);
    }
    let (at, second) = chars.next()?;
    (second == '\'').then_some(at + 1)
}

/// Cuts inline `#[cfg(test)] mod name { ... }` blocks.
fn without_test_modules(code: &str) -> String {
    let mut out = code.to_string();
    while let Some(at) = out.find("#[cfg(test)]") {
        let after = &out[at + "#[cfg(test)]".len()..];
        let trimmed = after.trim_start();
        if !trimmed.starts_with("mod ") {
            // Not a module: blank the attribute and go on.
            out.replace_range(at..at + "#[cfg(test)]".len(), "");
            continue;
        }
        let body_start = at + "#[cfg(test)]".len() + (after.len() - trimmed.len());
        let Some(brace_or_semi) = out[body_start..].find(['{', ';']) else {
            break;
        };
        let open = body_start + brace_or_semi;
        if out.as_bytes()[open] == b';' {
            out.replace_range(at..open + 1, "");
            continue;
        }
        let mut depth = 0usize;
        let mut end = out.len();
        for (k, c) in out[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + k + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.replace_range(at..end, "");
    }
    out
}

fn read_rooms() -> Vec<Room> {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut rooms = Vec::new();
    for file in files {
        if file.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file).expect("source file is UTF-8");
        let relative = file.strip_prefix(&src).expect("under src");
        let parts: Vec<String> = relative
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let krate = if parts[0] == "main.rs" || parts[0] == "commands" {
            "bin"
        } else {
            "lib"
        };
        let mut module: Vec<String> = parts.clone();
        let last = module.pop().expect("a file name");
        match last.as_str() {
            "lib.rs" | "main.rs" | "mod.rs" => {}
            name => module.push(name.trim_end_matches(".rs").to_string()),
        }
        let code = without_test_modules(&strip(&text));
        let children = code
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                let decl = line
                    .strip_prefix("pub mod ")
                    .or_else(|| line.strip_prefix("pub(crate) mod "))
                    .or_else(|| line.strip_prefix("mod "))?;
                decl.strip_suffix(';').map(|name| name.trim().to_string())
            })
            .collect();
        rooms.push(Room {
            file: relative.to_path_buf(),
            krate,
            module,
            children,
            code,
            lines: text.lines().count(),
            has_module_doc: text.trim_start().starts_with("//!"),
        });
    }
    rooms
}

/// Expands a `use` tree (`a::{b, c::{d, e}}`) into its paths.
fn expand_use(tree: &str) -> Vec<String> {
    let tree = tree
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" ::", "::")
        .replace(":: ", "::")
        .replace("{ ", "{")
        .replace(" }", "}")
        .replace(" ,", ",")
        .replace(", ", ",");
    let Some(open) = tree.find('{') else {
        return vec![tree.split(" as ").next().unwrap_or(&tree).to_string()];
    };
    let prefix = &tree[..open];
    let inner = tree[open + 1..]
        .strip_suffix('}')
        .unwrap_or(&tree[open + 1..]);
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (k, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push(&inner[start..k]);
                start = k + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| {
            if p == "self" {
                vec![prefix.trim_end_matches("::").to_string()]
            } else {
                expand_use(&format!("{prefix}{p}"))
            }
        })
        .collect()
}

/// Every path a file names: its `use` trees and the qualified paths in code.
fn named_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = find_use(rest) {
        let after = &rest[at..];
        let Some(end) = after.find(';') else { break };
        let tree = after["use".len()..end].trim();
        paths.extend(expand_use(tree));
        rest = &after[end..];
    }
    let bytes = code.as_bytes();
    for root in ["crate::", "super::", "self::", "micar_scan::"] {
        let mut from = 0;
        while let Some(found) = code[from..].find(root) {
            let at = from + found;
            from = at + root.len();
            let preceded = at > 0
                && (bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':');
            if preceded {
                continue;
            }
            let path: String = code[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            paths.push(path.trim_end_matches(':').to_string());
        }
    }
    paths
}

/// Byte offset of the next `use` keyword that starts a use declaration.
fn find_use(code: &str) -> Option<usize> {
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(found) = code[from..].find("use ") {
        let at = from + found;
        let boundary =
            at == 0 || matches!(bytes[at - 1], b'\n' | b' ' | b'\t' | b')' | b'{' | b';');
        if boundary {
            return Some(at);
        }
        from = at + 4;
    }
    None
}

struct House {
    rooms: Vec<Room>,
    by_module: BTreeMap<(&'static str, Vec<String>), usize>,
}

impl House {
    fn new(rooms: Vec<Room>) -> House {
        let by_module = rooms
            .iter()
            .enumerate()
            .map(|(i, r)| ((r.krate, r.module.clone()), i))
            .collect();
        House { rooms, by_module }
    }

    /// The file a path names, from room `from`: the longest prefix of the
    /// resolved path that is a module with a file of its own.
    fn resolve(&self, from: usize, path: &str) -> Option<usize> {
        let room = &self.rooms[from];
        let segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let first = *segments.first()?;
        let (krate, mut absolute): (&'static str, Vec<String>) = match first {
            "crate" => (room.krate, Vec::new()),
            "micar_scan" => ("lib", Vec::new()),
            "self" => (room.krate, room.module.clone()),
            "super" => {
                let mut module = room.module.clone();
                module.pop()?;
                (room.krate, module)
            }
            name if room.children.contains(name) => (room.krate, {
                let mut module = room.module.clone();
                module.push(name.to_string());
                module
            }),
            _ => return None,
        };
        let mut rest = &segments[1..];
        if first == "super" {
            while rest.first() == Some(&"super") {
                absolute.pop()?;
                rest = &rest[1..];
            }
        }
        if room.children.contains(first) {
            // The child's own name was pushed above.
        }
        let mut best = self.by_module.get(&(krate, absolute.clone())).copied();
        for segment in rest {
            absolute.push((*segment).to_string());
            match self.by_module.get(&(krate, absolute.clone())) {
                Some(&index) => best = Some(index),
                None => break,
            }
        }
        best
    }

    fn edges(&self) -> BTreeMap<usize, BTreeSet<usize>> {
        let mut edges: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
        for (i, room) in self.rooms.iter().enumerate() {
            let out = edges.entry(i).or_default();
            for path in named_paths(&room.code) {
                if let Some(target) = self.resolve(i, &path) {
                    if target != i {
                        out.insert(target);
                    }
                }
            }
        }
        edges
    }

    fn stage(&self, index: usize) -> &str {
        let room = &self.rooms[index];
        if room.krate == "bin" {
            return "(bin)";
        }
        room.module.first().map_or("(lib)", String::as_str)
    }

    fn module_name(&self, index: usize) -> String {
        self.rooms[index].module.join("::")
    }

    fn name(&self, index: usize) -> String {
        format!("src/{}", self.rooms[index].file.display())
    }
}

/// Strongly connected components of more than one file (Tarjan).
fn circles(nodes: usize, edges: &BTreeMap<usize, BTreeSet<usize>>) -> Vec<Vec<usize>> {
    struct State<'a> {
        edges: &'a BTreeMap<usize, BTreeSet<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        next: usize,
        found: Vec<Vec<usize>>,
    }
    fn visit(state: &mut State, v: usize) {
        state.index[v] = Some(state.next);
        state.low[v] = state.next;
        state.next += 1;
        state.stack.push(v);
        state.on_stack[v] = true;
        let targets: Vec<usize> = state.edges.get(&v).into_iter().flatten().copied().collect();
        for w in targets {
            match state.index[w] {
                None => {
                    visit(state, w);
                    state.low[v] = state.low[v].min(state.low[w]);
                }
                Some(index) if state.on_stack[w] => state.low[v] = state.low[v].min(index),
                Some(_) => {}
            }
        }
        if Some(state.low[v]) == state.index[v] {
            let mut component = Vec::new();
            loop {
                let w = state.stack.pop().expect("v is on the stack");
                state.on_stack[w] = false;
                component.push(w);
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                component.sort_unstable();
                state.found.push(component);
            }
        }
    }
    let mut state = State {
        edges,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in 0..nodes {
        if state.index[v].is_none() {
            visit(&mut state, v);
        }
    }
    state.found
}

fn floor_of(stage: &str) -> usize {
    FLOORS.iter().position(|f| *f == stage).unwrap_or_else(|| {
        panic!("stage {stage} has no floor: add it to FLOORS in tests/architecture.rs")
    })
}

#[test]
fn the_import_graph_has_no_circle_and_no_upward_import() {
    let house = House::new(read_rooms());
    let edges = house.edges();
    let arrows: usize = edges.values().map(BTreeSet::len).sum();
    println!("{} files, {arrows} imports between them", house.rooms.len());
    assert!(
        house.rooms.len() > 50,
        "the house was not read: {} files",
        house.rooms.len()
    );
    assert!(arrows > 100, "imports were not read: {arrows}");

    let mut problems = Vec::new();
    for circle in circles(house.rooms.len(), &edges) {
        let names: Vec<String> = circle.iter().map(|&i| house.name(i)).collect();
        problems.push(format!("circle: {}", names.join(" <-> ")));
    }
    for (&from, targets) in &edges {
        for &to in targets {
            let (from_stage, to_stage) = (house.stage(from), house.stage(to));
            if floor_of(to_stage) > floor_of(from_stage) {
                problems.push(format!(
                    "upward import: {} ({from_stage}) imports {} ({to_stage})",
                    house.name(from),
                    house.name(to)
                ));
            }
            let module = house.module_name(from);
            let in_http_layer = HTTP_LAYER
                .iter()
                .any(|layer| module == *layer || module.starts_with(&format!("{layer}::")));
            let target_module = house.module_name(to);
            let allowed = HTTP_LAYER_MAY_IMPORT.contains(&to_stage)
                || HTTP_LAYER.iter().any(|layer| {
                    target_module == *layer || target_module.starts_with(&format!("{layer}::"))
                });
            if in_http_layer && !allowed {
                problems.push(format!(
                    "the HTTP layer imports {to_stage}: {} imports {}",
                    house.name(from),
                    house.name(to)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_file_is_small_and_says_what_it_is_for() {
    let src = src_dir();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("UTF-8");
        let name = file
            .strip_prefix(&src)
            .expect("under src")
            .display()
            .to_string();
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!("src/{name}: {lines} lines (at most {MAX_LINES})"));
        }
        let is_test_file = file.file_name().is_some_and(|n| n == "tests.rs");
        if !is_test_file && !text.trim_start().starts_with("//!") {
            problems.push(format!("src/{name}: no //! module doc"));
        }
    }
    assert!(files.len() > 50, "the tree was not read");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The reader above must see what it is meant to see: a circle through a
/// parent that re-exports a child which imports it back, a grouped `use`,
/// and nothing in comments, strings or test modules.
#[test]
fn the_reader_finds_imports_and_only_imports() {
    let parent = "pub mod child;\npub use child::Thing;\n// use crate::nowhere;\nconst S: &str = \"crate::report::x\";\n#[cfg(test)]\nmod tests {\n    use crate::report;\n}\n";
    let child = "use super::{Other, sibling::{A, B as C}};\nfn f() { crate::model::g(); }\n";
    let paths = named_paths(&without_test_modules(&strip(parent)));
    assert!(paths.contains(&"child::Thing".to_string()), "{paths:?}");
    assert!(
        !paths
            .iter()
            .any(|p| p.contains("nowhere") || p.contains("report")),
        "{paths:?}"
    );
    let paths = named_paths(&without_test_modules(&strip(child)));
    for expected in [
        "super::Other",
        "super::sibling::A",
        "super::sibling::B",
        "crate::model::g",
    ] {
        assert!(
            paths.iter().any(|p| p == expected),
            "{expected} not in {paths:?}"
        );
    }
    let room = |file: &str, module: &[&str], children: &[&str], code: &str| Room {
        file: PathBuf::from(file),
        krate: "lib",
        module: module.iter().map(|s| s.to_string()).collect(),
        children: children.iter().map(|s| s.to_string()).collect(),
        code: without_test_modules(&strip(code)),
        lines: 1,
        has_module_doc: true,
    };
    let house = House::new(vec![
        room("a/mod.rs", &["a"], &["child", "sibling"], parent),
        room("a/child.rs", &["a", "child"], &[], child),
        room("a/sibling.rs", &["a", "sibling"], &[], ""),
        room("model.rs", &["model"], &[], ""),
    ]);
    let edges = house.edges();
    assert_eq!(edges[&0], BTreeSet::from([1]));
    assert_eq!(edges[&1], BTreeSet::from([0, 2, 3]));
    assert_eq!(circles(4, &edges), vec![vec![0, 1]]);
    assert!(house.rooms.iter().all(|r| r.has_module_doc && r.lines == 1));
}
