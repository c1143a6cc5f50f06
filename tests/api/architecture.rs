//! The layout holds: no two source files import each other.
//!
//! Every file under src/ is read as code (comments and strings blanked), and each path it names
//! is resolved to the file of the deepest module it reaches: `use` trees (`crate::`, `super::`,
//! `self::`, and a module's own children by bare name) and the same paths written inline in the
//! code. A pair of files where each names the other fails the test, with one exception: a
//! parent module's `pub use` of its own children is a re-export, not a use, so a `mod.rs` that
//! only declares and re-exports its children does not count. One whose code uses a child while
//! the child uses it does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type ModPath = Vec<String>;

#[test]
fn no_two_source_files_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let graph = Graph::read(&src);
    assert!(
        graph.files.len() > 100,
        "src/ was read: {}",
        graph.files.len()
    );
    let mut pairs = Vec::new();
    for (from, tos) in &graph.edges {
        for (to, there) in tos {
            if let Some(back) = graph.edges.get(to).and_then(|b| b.get(from))
                && from < to
            {
                pairs.push(format!(
                    "{} (names {there}) <-> {} (names {back})",
                    show(&src, from),
                    show(&src, to)
                ));
            }
        }
    }
    assert!(
        pairs.is_empty(),
        "these files import each other (move what both need into a third file, or let one \
         of them stop naming the other):\n{}",
        pairs.join("\n")
    );
}

#[test]
fn the_check_sees_a_cycle_through_use_super_and_inline_paths() {
    let files = [
        ("lib.rs", "pub mod a;\npub mod b;"),
        (
            "a/mod.rs",
            "mod child;\npub use child::Thing; // a re-export\nfn f() { child::helper() }",
        ),
        ("a/child.rs", "use super::Other;\npub struct Thing;"),
        (
            "b.rs",
            "use crate::a::Thing;\n/// crate::a::child in a comment\n",
        ),
    ];
    let dir = tempfile::tempdir().expect("dir");
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("write");
    }
    let graph = Graph::read(dir.path());
    let file = |n: &str| dir.path().join(n);
    let names = |from: &str| -> BTreeSet<PathBuf> {
        graph
            .edges
            .get(&file(from))
            .map(|e| e.keys().cloned().collect())
            .unwrap_or_default()
    };
    assert_eq!(names("a/mod.rs"), BTreeSet::from([file("a/child.rs")]));
    assert_eq!(names("a/child.rs"), BTreeSet::from([file("a/mod.rs")]));
    // Through the re-export, to the file that defines it.
    assert_eq!(names("b.rs"), BTreeSet::from([file("a/child.rs")]));
    assert!(
        !names("lib.rs").contains(&file("a/mod.rs")),
        "mod a; declares"
    );
}

fn show(src: &Path, file: &Path) -> String {
    file.strip_prefix(src).unwrap_or(file).display().to_string()
}

#[derive(Default)]
struct Graph {
    /// Every module (file or inline) and the file it is written in.
    modules: BTreeMap<ModPath, PathBuf>,
    files: BTreeMap<PathBuf, ModPath>,
    /// Per module, each name it re-exports (`pub use`): where from, and the path it names.
    reexports: BTreeMap<ModPath, BTreeMap<String, (ModPath, Vec<String>)>>,
    /// Which files each file names, with one path that names it (for the message).
    edges: BTreeMap<PathBuf, BTreeMap<PathBuf, String>>,
}

/// A path named in a file, with the module it is named from and whether it is a re-export.
struct Named {
    from: ModPath,
    path: Vec<String>,
    reexport: bool,
}

impl Graph {
    fn read(src: &Path) -> Self {
        let mut g = Graph::default();
        let mut named: Vec<(PathBuf, Named)> = Vec::new();
        for file in rust_files(src) {
            let Some(module) = module_of(src, &file) else {
                continue;
            };
            g.modules.insert(module.clone(), file.clone());
            g.files.insert(file.clone(), module.clone());
            let text = std::fs::read_to_string(&file).expect("read a source file");
            let scan = scan(&code_only(&text), &module);
            for inline in scan.inline_modules {
                g.modules.entry(inline).or_insert_with(|| file.clone());
            }
            named.extend(scan.named.into_iter().map(|n| (file.clone(), n)));
        }
        // What each module re-exports, by the name it is known by there, so a path through a
        // re-export counts against the file that defines the item, not the one that passes it on.
        for (_, n) in named.iter().filter(|(_, n)| n.reexport) {
            if let Some(name) = n.path.last() {
                g.reexports
                    .entry(n.from.clone())
                    .or_default()
                    .insert(name.clone(), (n.from.clone(), n.path.clone()));
            }
        }
        for (file, n) in named {
            let Some(target) = g.resolve(&n.from, &n.path, 0) else {
                continue;
            };
            // A parent's `pub use` of its own descendants re-exports them.
            if n.reexport && target.len() > n.from.len() && target.starts_with(&n.from) {
                continue;
            }
            let Some(to) = g.modules.get(&target).cloned() else {
                continue;
            };
            if to != file {
                g.edges
                    .entry(file)
                    .or_default()
                    .entry(to)
                    .or_insert_with(|| n.path.join("::"));
            }
        }
        g
    }

    /// The module that defines what `path` names from module `from` (through re-exports);
    /// None for other crates.
    fn resolve(&self, from: &ModPath, path: &[String], hops: usize) -> Option<ModPath> {
        let mut segs = path.iter().peekable();
        let mut at: ModPath = match segs.peek().map(|s| s.as_str()) {
            Some("crate") => {
                segs.next();
                Vec::new()
            }
            Some("self") => {
                segs.next();
                from.clone()
            }
            Some("super") => {
                let mut at = from.clone();
                while segs.peek().is_some_and(|s| *s == "super") {
                    segs.next();
                    at.pop()?;
                }
                at
            }
            Some(first) => {
                let mut child = from.clone();
                child.push(first.to_string());
                if !self.modules.contains_key(&child) {
                    return None;
                }
                from.clone()
            }
            None => return None,
        };
        for seg in segs {
            let mut next = at.clone();
            next.push(seg.clone());
            if self.modules.contains_key(&next) {
                at = next;
                continue;
            }
            if let Some((rfrom, rpath)) = self.reexports.get(&at).and_then(|r| r.get(seg))
                && hops < 8
                && let Some(defined) = self.resolve(rfrom, rpath, hops + 1)
            {
                return Some(defined);
            }
            break;
        }
        Some(at)
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read src") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// `src/a/b.rs` and `src/a/b/mod.rs` are `a::b`; `lib.rs` is the crate. `main.rs` is another
/// crate (the binary), which reaches the library only as `cast::`.
fn module_of(src: &Path, file: &Path) -> Option<ModPath> {
    let rel = file.strip_prefix(src).ok()?;
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop()?;
    match last.as_str() {
        "main.rs" if parts.is_empty() => None,
        "lib.rs" if parts.is_empty() => Some(parts),
        "mod.rs" => Some(parts),
        name => {
            parts.push(name.trim_end_matches(".rs").to_string());
            Some(parts)
        }
    }
}

/// The source with comments, strings and character literals blanked, lifetimes kept.
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let skip_to = |out: &mut String, from: usize, to: usize| {
        for c in &chars[from..to] {
            out.push(if *c == '\n' { '\n' } else { ' ' });
        }
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let end = if c == '/' && next == Some('/') {
            chars[i..]
                .iter()
                .position(|&c| c == '\n')
                .map_or(chars.len(), |p| i + p)
        } else if c == '/' && next == Some('*') {
            let (mut depth, mut j) = (0, i);
            while j < chars.len() {
                if chars[j] == '/' && chars.get(j + 1) == Some(&'*') {
                    depth += 1;
                    j += 2;
                } else if chars[j] == '*' && chars.get(j + 1) == Some(&'/') {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            j
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && (!ident_before(&chars, i) || (chars[i - 1] == 'b' && !ident_before(&chars, i - 1)))
        {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let close: String = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            let body_start = i + 2 + hashes;
            let rest: String = chars[body_start..].iter().collect();
            rest.find(&close).map_or(chars.len(), |p| {
                body_start + rest[..p].chars().count() + close.len()
            })
        } else if c == '"' {
            let mut j = i + 1;
            while j < chars.len() && chars[j] != '"' {
                j += if chars[j] == '\\' { 2 } else { 1 };
            }
            j + 1
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}'); otherwise a lifetime, kept.
            match (next, chars.get(i + 2)) {
                (Some('\\'), _) => {
                    // Past the escaped character, which may itself be a quote.
                    let mut j = i + 3;
                    while j < chars.len() && chars[j] != '\'' {
                        j += 1;
                    }
                    j + 1
                }
                (Some(_), Some('\'')) => i + 3,
                _ => {
                    out.push(c);
                    i += 1;
                    continue;
                }
            }
        } else {
            out.push(c);
            i += 1;
            continue;
        };
        let end = end.min(chars.len());
        skip_to(&mut out, i, end);
        i = end;
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

fn tokens(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".to_string());
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

struct Scan {
    named: Vec<Named>,
    inline_modules: Vec<ModPath>,
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
}

/// Every path the file names, from the module it is named in (inline `mod x { }` included).
fn scan(code: &str, module: &ModPath) -> Scan {
    let toks = tokens(code);
    let mut named = Vec::new();
    let mut inline_modules = Vec::new();
    // (module path, brace depth its body opened at)
    let mut stack: Vec<(ModPath, usize)> = vec![(module.clone(), 0)];
    let mut depth = 0;
    let mut i = 0;
    while i < toks.len() {
        let here = stack.last().map(|s| s.0.clone()).unwrap_or_default();
        match toks[i].as_str() {
            "{" => depth += 1,
            "}" => {
                if stack.len() > 1 && stack.last().is_some_and(|s| s.1 == depth) {
                    stack.pop();
                }
                depth = depth.saturating_sub(1);
            }
            "mod" if toks.get(i + 2).is_some_and(|t| t == "{") => {
                let mut inner = here.clone();
                inner.push(toks[i + 1].clone());
                inline_modules.push(inner.clone());
                depth += 1;
                stack.push((inner, depth));
                i += 3;
                continue;
            }
            // A `use` item (not the `+ use<..>` of a precise capture).
            "use"
                if toks[..i]
                    .last()
                    .is_none_or(|t| [";", "{", "}", "]", "pub", ")"].contains(&t.as_str())) =>
            {
                let reexport = toks[..i].last().is_some_and(|t| t == "pub" || t == ")");
                let end = toks[i..]
                    .iter()
                    .position(|t| t == ";")
                    .map_or(toks.len(), |p| i + p);
                for path in use_tree(&toks[i + 1..end], &[]) {
                    named.push(Named {
                        from: here.clone(),
                        path,
                        reexport,
                    });
                }
                i = end + 1;
                continue;
            }
            t if is_ident(t)
                && toks.get(i + 1).is_some_and(|n| n == "::")
                && toks[..i].last().is_none_or(|p| p != "::") =>
            {
                let mut path = vec![t.to_string()];
                let mut j = i + 1;
                while toks.get(j).is_some_and(|n| n == "::")
                    && toks.get(j + 1).is_some_and(|n| is_ident(n))
                {
                    path.push(toks[j + 1].clone());
                    j += 2;
                }
                named.push(Named {
                    from: here.clone(),
                    path,
                    reexport: false,
                });
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Scan {
        named,
        inline_modules,
    }
}

/// The paths of one `use` tree: `a::b::{c, d::{e, self}, *}` gives a::b::c, a::b::d::e, a::b::d, a::b.
fn use_tree(toks: &[String], prefix: &[String]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut path = prefix.to_vec();
    let mut i = 0;
    while i < toks.len() {
        match toks[i].as_str() {
            "::" => {}
            "{" => {
                let mut depth = 0;
                let mut start = i + 1;
                let mut j = i;
                while j < toks.len() {
                    match toks[j].as_str() {
                        "{" => depth += 1,
                        "}" => {
                            depth -= 1;
                            if depth == 0 {
                                out.extend(use_tree(&toks[start..j], &path));
                                break;
                            }
                        }
                        "," if depth == 1 => {
                            out.extend(use_tree(&toks[start..j], &path));
                            start = j + 1;
                        }
                        _ => {}
                    }
                    j += 1;
                }
                return out;
            }
            "self" if !path.is_empty() => {}
            "as" => break,
            "*" => break,
            t => path.push(t.to_string()),
        }
        i += 1;
    }
    // `{self}` and `*` name the prefix itself; an empty item (a trailing comma) names nothing.
    let names_prefix = toks.iter().any(|t| t == "self" || t == "*");
    if !path.is_empty() && (path.len() > prefix.len() || names_prefix) {
        out.push(path);
    }
    out
}
