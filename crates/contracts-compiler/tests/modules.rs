//! Imports between the compiler's modules run one way: the graph of
//! `crate::<module>` references between top-level modules has no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every top-level module of the library with the text of all its files.
fn modules() -> BTreeMap<String, String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "bin" {
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
        // `ir.rs` and its submodules in `ir/` are one module.
        out.entry(name).or_default().push_str(&text);
    }
    out
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
    let modules = modules();
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
