//! Imports between the modules of the compiler and of the core run one way:
//! the graph of `crate::<module>` references between top-level modules has
//! no cycle. In the core, `lib.rs` declares modules and re-exports only, so
//! a module that reaches an item through the crate root (`crate::X` where
//! `X` is no module) fails too: that is an edge back to the root.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// `src/` of a crate of this workspace.
fn src_of(crate_name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(crate_name)
        .join("src")
}

/// Every top-level module of the library under `src` with the text of all
/// its files, and of the files they `include!` (the core's generated
/// tables, when they have been generated).
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for entry in std::fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "bin" || name == "generated" {
            continue;
        }
        let mut text = String::new();
        if path.is_dir() {
            let mut stack = vec![path.clone()];
            while let Some(dir) = stack.pop() {
                for e in std::fs::read_dir(dir).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs") {
                        text.push_str(&std::fs::read_to_string(p).unwrap());
                    }
                }
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            text = std::fs::read_to_string(&path).unwrap();
        } else {
            continue;
        }
        for line in text.clone().lines() {
            let included = line
                .split("include!(\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next());
            if let Some(file) = included {
                text.push_str(&std::fs::read_to_string(src.join(file)).unwrap_or_default());
            }
        }
        // `ir.rs` and its submodules in `ir/` are one module.
        out.entry(name).or_default().push_str(&text);
    }
    out
}

/// The modules `lib.rs` declares with a body (`mod registry { include!(…) }`).
fn inline_modules(src: &Path) -> BTreeSet<String> {
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    lib.lines()
        .filter_map(|line| {
            let rest = line
                .trim()
                .trim_start_matches("pub ")
                .strip_prefix("mod ")?;
            let (name, body) = rest.split_once(' ')?;
            body.starts_with('{').then(|| name.to_string())
        })
        .collect()
}

/// `(module, item)` for each `crate::item` in code whose `item` is no
/// module: a use of the crate root.
fn root_uses(
    modules: &BTreeMap<String, String>,
    inline: &BTreeSet<String>,
) -> BTreeSet<(String, String)> {
    let mut uses = BTreeSet::new();
    for (name, text) in modules {
        for line in text.lines() {
            let code = line.split('"').next().unwrap_or_default();
            let code = code.split("//").next().unwrap_or_default();
            for (i, _) in code.match_indices("crate::") {
                let item = code[i + "crate::".len()..]
                    .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap_or_default();
                if !item.is_empty() && !modules.contains_key(item) && !inline.contains(item) {
                    uses.insert((name.clone(), item.to_string()));
                }
            }
        }
    }
    uses
}

/// `module -> modules it references through crate::…` (self excluded).
/// Text of generated code (inside string literals that start with
/// `use crate::` for contracts-core) is not a reference: only lines whose
/// code, before any `"`, mentions `crate::`.
fn graph(modules: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph = BTreeMap::new();
    for (name, text) in modules {
        let mut targets = BTreeSet::new();
        for line in text.lines() {
            let code = line.split('"').next().unwrap_or_default();
            let code = code.split("//").next().unwrap_or_default();
            for (i, _) in code.match_indices("crate::") {
                let rest = &code[i + "crate::".len()..];
                // `crate::{a, b::C}` names several modules.
                let names: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group
                        .split(['}', ','])
                        .map(|part| part.trim().split("::").next().unwrap_or_default())
                        .collect(),
                    None => vec![rest
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .next()
                        .unwrap_or_default()],
                };
                for target in names {
                    if modules.contains_key(target) && target != name {
                        targets.insert(target.to_string());
                    }
                }
            }
        }
        graph.insert(name.clone(), targets);
    }
    graph
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in &graph[node] {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                0 => {
                    if let Some(cycle) = visit(next, graph, state, stack) {
                        return Some(cycle);
                    }
                }
                1 => {
                    let from = stack.iter().position(|n| n == next).unwrap();
                    let mut cycle = stack[from..].to_vec();
                    cycle.push(next.clone());
                    return Some(cycle);
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if state.get(node.as_str()).copied().unwrap_or(0) == 0 {
            if let Some(cycle) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(cycle);
            }
        }
    }
    None
}

#[test]
fn compiler_modules_import_one_way() {
    let modules = modules(&src_of("contracts-compiler"));
    assert!(modules.len() >= 15, "{:?}", modules.keys());
    let graph = graph(&modules);
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the compiler's modules import each other in a cycle: {}\nmove what both need into a module below them",
            cycle.join(" -> ")
        );
    }
}

#[test]
fn core_modules_import_one_way() {
    let src = src_of("contracts-core");
    let modules = modules(&src);
    assert!(modules.len() >= 20, "{:?}", modules.keys());
    let graph = graph(&modules);
    if let Some(cycle) = find_cycle(&graph) {
        panic!(
            "the core's modules import each other in a cycle: {}\nmove what both need into a module below them",
            cycle.join(" -> ")
        );
    }
    let through_root = root_uses(&modules, &inline_modules(&src));
    assert!(
        through_root.is_empty(),
        "core modules use items through the crate root, which only re-exports: {through_root:?}\nname the module that defines them (crate::registries::CONTRACTS_VERSION)"
    );
}

#[test]
fn root_uses_are_found() {
    let modules: BTreeMap<String, String> = [
        (
            "a",
            "use crate::b::X;\nlet v = crate::CONTRACTS_VERSION; // crate::z",
        ),
        (
            "b",
            "/// [`crate::current_registry`]\nuse crate::mirror::T;",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let inline = BTreeSet::from(["mirror".to_string()]);
    assert_eq!(
        root_uses(&modules, &inline),
        BTreeSet::from([("a".to_string(), "CONTRACTS_VERSION".to_string())])
    );
}

#[test]
fn the_cycle_finder_finds_cycles() {
    let modules: BTreeMap<String, String> = [
        ("a", "use crate::b::X;"),
        ("b", "fn f() { crate::{d, c::g}() }"),
        ("c", "use crate::a; // crate::z\nlet s = \"use crate::b\";"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let graph = graph(&modules);
    assert_eq!(graph["c"], BTreeSet::from(["a".to_string()]));
    assert_eq!(graph["b"], BTreeSet::from(["c".to_string()]));
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
