//! Recursion BAML rejects, and the cycle search the client checks share.

use crate::codes::Code;
use crate::error::{CompileError, Location};
use crate::ir::visit;
use crate::ir::{Ir, TypeExpr};
use std::collections::HashMap;

/// Recursion BAML rejects: a type alias that reaches itself without going
/// through a list or map (`type A = int | A`), and classes that need each
/// other through required fields (`class A { b B }` + `class B { a A }`), which
/// no finite value satisfies.
pub(super) fn check_cycles(ir: &Ir, errors: &mut Vec<CompileError>) {
    let mut alias_graph: Vec<(&str, &Location, Vec<&str>)> = Vec::new();
    for alias in &ir.type_aliases {
        let mut out = visit::direct_names(&alias.ty);
        out.retain(|n| ir.alias(n).is_some());
        alias_graph.push((&alias.name, &alias.location, out));
    }
    for cycle in find_cycles(&alias_graph) {
        let (_, location, _) = alias_graph
            .iter()
            .find(|(n, ..)| *n == cycle[0])
            .expect("node");
        errors.push(CompileError::coded(
            Code::AliasCycle,
            (*location).clone(),
            format!("type aliases form a cycle: {}; recursion is only allowed through a list or map (e.g. `type Json = Json[] | map<string, Json> | string`)", cycle.join(" -> ")),
        ));
    }
    // Class edges: required fields whose type is a class (directly or through aliases).
    let class_graph: Vec<(&str, &Location, Vec<&str>)> = ir
        .classes
        .iter()
        .map(|c| {
            let targets = c
                .fields
                .iter()
                .filter_map(|f| class_target(ir, &f.ty, 0))
                .collect();
            (c.name.as_str(), &c.location, targets)
        })
        .collect();
    for cycle in find_cycles(&class_graph) {
        let (_, location, _) = class_graph
            .iter()
            .find(|(n, ..)| *n == cycle[0])
            .expect("node");
        errors.push(CompileError::coded(
            Code::ClassCycle,
            (*location).clone(),
            format!("classes form a required cycle: {}; no finite value exists, make one of these fields optional (`?`) or a list", cycle.join(" -> ")),
        ));
    }
}

/// The class a required field needs a value of (directly or through aliases).
fn class_target<'a>(ir: &'a Ir, ty: &'a TypeExpr, depth: usize) -> Option<&'a str> {
    let name = ty.as_named()?;
    if ir.class(name).is_some() {
        return Some(name);
    }
    let alias = ir.alias(name)?;
    (depth < 64)
        .then(|| class_target(ir, &alias.ty, depth + 1))
        .flatten()
}

/// Depth-first search step of [`find_cycles`].
fn visit<'a>(
    node: usize,
    graph: &[(&'a str, &Location, Vec<&'a str>)],
    index: &HashMap<&str, usize>,
    state: &mut [u8],
    stack: &mut Vec<usize>,
    cycles: &mut Vec<Vec<&'a str>>,
) {
    state[node] = 1;
    stack.push(node);
    for next in &graph[node].2 {
        let Some(&next) = index.get(next) else {
            continue;
        };
        match state[next] {
            0 => visit(next, graph, index, state, stack, cycles),
            1 => {
                let from = stack.iter().position(|&n| n == next).expect("on stack");
                let mut cycle: Vec<&str> = stack[from..].iter().map(|&n| graph[n].0).collect();
                cycle.push(graph[next].0);
                cycles.push(cycle);
            }
            _ => {}
        }
    }
    stack.pop();
    state[node] = 2;
}

/// Elementary cycles found by depth-first search, each reported once, starting
/// from its first node in declaration order and closed (`A -> B -> A`).
pub(super) fn find_cycles<'a>(graph: &[(&'a str, &Location, Vec<&'a str>)]) -> Vec<Vec<&'a str>> {
    let index: HashMap<&str, usize> = graph
        .iter()
        .enumerate()
        .map(|(i, (n, ..))| (*n, i))
        .collect();
    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; graph.len()];
    let mut cycles = Vec::new();
    for node in 0..graph.len() {
        if state[node] == 0 {
            visit(
                node,
                graph,
                &index,
                &mut state,
                &mut Vec::new(),
                &mut cycles,
            );
        }
    }
    cycles
}
