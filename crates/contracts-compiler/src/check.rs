//! Cross-checks every BAML tree must pass, and the project lints that can be
//! turned off (`contracts check --no-lint`).

use crate::error::{CompileError, Location};
use crate::ir::{Ir, Literal, TypeExpr};
use std::collections::HashMap;

/// Name of the enum whose values are the real-time event types.
pub const EVENT_TYPE_ENUM: &str = "EventType";
/// Name of the union alias of all envelope classes.
pub const EVENT_ENVELOPE_ALIAS: &str = "EventEnvelope";
/// Name of the envelope metadata class.
pub const EVENT_META_CLASS: &str = "EventMeta";
/// The fields every envelope class has, in this order.
pub const ENVELOPE_FIELDS: [&str; 4] = ["type", "contracts_version", "payload", "meta"];

/// Checks that hold for any valid BAML tree: unique names, known references.
pub fn cross_check(ir: &Ir) -> Vec<CompileError> {
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    for (name, location) in ir.declared_types() {
        if let Some(first) = seen.insert(name.as_str(), location) {
            errors.push(CompileError::new(
                location.clone(),
                format!("duplicate type name `{name}`: it is already declared at {first}; rename one of them"),
            ));
        }
    }
    for class in &ir.classes {
        let mut fields = HashMap::new();
        for field in &class.fields {
            if let Some(first) = fields.insert(field.name.as_str(), &field.location) {
                errors.push(CompileError::new(
                    field.location.clone(),
                    format!(
                        "duplicate field `{}` in class `{}` (first declared at {first})",
                        field.name, class.name
                    ),
                ));
            }
            check_refs(&field.ty, &seen, &field.location, &mut errors);
        }
    }
    for e in &ir.enums {
        let mut values = HashMap::new();
        for value in &e.values {
            if let Some(first) = values.insert(value.name.as_str(), &value.location) {
                errors.push(CompileError::new(
                    value.location.clone(),
                    format!(
                        "duplicate value `{}` in enum `{}` (first declared at {first})",
                        value.name, e.name
                    ),
                ));
            }
        }
    }
    for alias in &ir.type_aliases {
        check_refs(&alias.ty, &seen, &alias.location, &mut errors);
    }
    check_map_keys(ir, &mut errors);
    if errors.is_empty() {
        check_cycles(ir, &mut errors);
    }
    for function in &ir.functions {
        for param in &function.params {
            check_refs(&param.ty, &seen, &function.location, &mut errors);
        }
        check_refs(
            &function.return_type,
            &seen,
            &function.location,
            &mut errors,
        );
    }
    errors
}

/// Visits every type expression that can hold a map, with the location to report.
fn all_types(ir: &Ir) -> Vec<(&TypeExpr, &Location)> {
    let mut out = Vec::new();
    for class in &ir.classes {
        out.extend(class.fields.iter().map(|f| (&f.ty, &f.location)));
    }
    out.extend(ir.type_aliases.iter().map(|a| (&a.ty, &a.location)));
    for function in &ir.functions {
        out.extend(function.params.iter().map(|p| (&p.ty, &function.location)));
        out.push((&function.return_type, &function.location));
    }
    out
}

/// BAML map keys are `string`, an enum, or string literals (and unions of those).
fn check_map_keys(ir: &Ir, errors: &mut Vec<CompileError>) {
    fn valid_key(ir: &Ir, key: &TypeExpr) -> bool {
        match key {
            TypeExpr::Primitive { name } => name == "string",
            TypeExpr::Named { name } => ir.enum_named(name).is_some(),
            TypeExpr::Literal {
                value: Literal::String(_),
            } => true,
            TypeExpr::Union { members } => members.iter().all(|m| valid_key(ir, m)),
            _ => false,
        }
    }
    fn walk(ir: &Ir, ty: &TypeExpr, location: &Location, errors: &mut Vec<CompileError>) {
        match ty {
            TypeExpr::Map { key, value } => {
                if !valid_key(ir, key) {
                    errors.push(CompileError::new(
                        location.clone(),
                        format!("invalid map key type `{}`: BAML map keys must be `string`, an enum or string literals, e.g. map<string, V>", render(key)),
                    ));
                }
                walk(ir, value, location, errors);
            }
            TypeExpr::List { items } => walk(ir, items, location, errors),
            TypeExpr::Optional { inner } => walk(ir, inner, location, errors),
            TypeExpr::Union { members } => {
                for m in members {
                    walk(ir, m, location, errors);
                }
            }
            _ => {}
        }
    }
    for (ty, location) in all_types(ir) {
        walk(ir, ty, location, errors);
    }
}

/// Renders a type expression back to BAML syntax (for messages).
pub fn render(ty: &TypeExpr) -> String {
    match ty {
        TypeExpr::Primitive { name } | TypeExpr::Named { name } => name.clone(),
        TypeExpr::Literal { value } => match value {
            Literal::String(s) => format!("{s:?}"),
            Literal::Int(i) => i.to_string(),
            Literal::Bool(b) => b.to_string(),
        },
        TypeExpr::List { items } => match **items {
            TypeExpr::Union { .. } | TypeExpr::Optional { .. } => format!("({})[]", render(items)),
            _ => format!("{}[]", render(items)),
        },
        TypeExpr::Map { key, value } => format!("map<{}, {}>", render(key), render(value)),
        TypeExpr::Union { members } => members.iter().map(render).collect::<Vec<_>>().join(" | "),
        TypeExpr::Optional { inner } => match **inner {
            TypeExpr::Union { .. } => format!("({})?", render(inner)),
            _ => format!("{}?", render(inner)),
        },
    }
}

/// Recursion BAML rejects: a type alias that reaches itself without going
/// through a list or map (`type A = int | A`), and classes that need each
/// other through required fields (`class A { b B }` + `class B { a A }`), which
/// no finite value satisfies.
fn check_cycles(ir: &Ir, errors: &mut Vec<CompileError>) {
    // Alias edges: names reached through unions, optionals and other aliases.
    fn alias_edges<'a>(ty: &'a TypeExpr, out: &mut Vec<&'a str>) {
        match ty {
            TypeExpr::Named { name } => out.push(name),
            TypeExpr::Optional { inner } => alias_edges(inner, out),
            TypeExpr::Union { members } => members.iter().for_each(|m| alias_edges(m, out)),
            _ => {}
        }
    }
    let mut alias_graph: Vec<(&str, &Location, Vec<&str>)> = Vec::new();
    for alias in &ir.type_aliases {
        let mut out = Vec::new();
        alias_edges(&alias.ty, &mut out);
        out.retain(|n| ir.alias(n).is_some());
        alias_graph.push((&alias.name, &alias.location, out));
    }
    for cycle in find_cycles(&alias_graph) {
        let (_, location, _) = alias_graph
            .iter()
            .find(|(n, ..)| *n == cycle[0])
            .expect("node");
        errors.push(CompileError::new(
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
        errors.push(CompileError::new(
            (*location).clone(),
            format!("classes form a required cycle: {}; no finite value exists, make one of these fields optional (`?`) or a list", cycle.join(" -> ")),
        ));
    }
}

/// The class a required field needs a value of (directly or through aliases).
fn class_target<'a>(ir: &'a Ir, ty: &'a TypeExpr, depth: usize) -> Option<&'a str> {
    let TypeExpr::Named { name } = ty else {
        return None;
    };
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
fn find_cycles<'a>(graph: &[(&'a str, &Location, Vec<&'a str>)]) -> Vec<Vec<&'a str>> {
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

fn check_refs(
    ty: &TypeExpr,
    declared: &HashMap<&str, &crate::error::Location>,
    location: &crate::error::Location,
    errors: &mut Vec<CompileError>,
) {
    match ty {
        TypeExpr::Named { name } if !declared.contains_key(name.as_str()) => {
            errors.push(CompileError::new(
                location.clone(),
                format!("unknown type `{name}`: declare a class, enum or `type {name} = …`, or fix the spelling"),
            ));
        }
        TypeExpr::List { items } => check_refs(items, declared, location, errors),
        TypeExpr::Optional { inner } => check_refs(inner, declared, location, errors),
        TypeExpr::Map { key, value } => {
            check_refs(key, declared, location, errors);
            check_refs(value, declared, location, errors);
        }
        TypeExpr::Union { members } => {
            for m in members {
                check_refs(m, declared, location, errors);
            }
        }
        _ => {}
    }
}

/// One real-time event: its type value, envelope class and payload class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventBinding {
    /// The `EventType` value (the wire `type`).
    pub event_type: String,
    /// The envelope class whose `type` literal is that value.
    pub envelope_class: String,
    /// The class of its `payload` field.
    pub payload_class: String,
}

/// The project's event rules: every `EventType` value has exactly one envelope
/// class (fields `type "VALUE"`, `contracts_version string`, `payload Dto`,
/// `meta EventMeta`), and `EventEnvelope` is the union of exactly those classes.
pub fn event_bindings(ir: &Ir) -> Result<Vec<EventBinding>, Vec<CompileError>> {
    let mut errors = Vec::new();
    let Some(event_type) = ir.enum_named(EVENT_TYPE_ENUM) else {
        return Ok(Vec::new());
    };
    let mut by_value: HashMap<&str, Vec<(&crate::ir::Class, &str)>> = HashMap::new();
    for class in &ir.classes {
        let Some(type_field) = class.fields.iter().find(|f| f.name == "type") else {
            continue;
        };
        let TypeExpr::Literal {
            value: Literal::String(value),
        } = &type_field.ty
        else {
            continue;
        };
        let names: Vec<&str> = class.fields.iter().map(|f| f.name.as_str()).collect();
        if names != ENVELOPE_FIELDS {
            errors.push(CompileError::new(
                class.location.clone(),
                format!("envelope class `{}` must have exactly the fields type, contracts_version, payload, meta (in this order); it has {}", class.name, names.join(", ")),
            ));
            continue;
        }
        let payload = match &class.fields[2].ty {
            TypeExpr::Named { name } if ir.class(name).is_some() => name.as_str(),
            _ => {
                errors.push(CompileError::new(
                    class.fields[2].location.clone(),
                    format!(
                        "the payload of envelope `{}` must be a class (the event's DTO)",
                        class.name
                    ),
                ));
                continue;
            }
        };
        if class.fields[1].ty
            != (TypeExpr::Primitive {
                name: "string".into(),
            })
        {
            errors.push(CompileError::new(
                class.fields[1].location.clone(),
                "`contracts_version` must be `string`",
            ));
        }
        if class.fields[3].ty
            != (TypeExpr::Named {
                name: EVENT_META_CLASS.into(),
            })
        {
            errors.push(CompileError::new(
                class.fields[3].location.clone(),
                format!("`meta` must be `{EVENT_META_CLASS}`"),
            ));
        }
        if !event_type.values.iter().any(|v| &v.name == value) {
            errors.push(CompileError::new(type_field.location.clone(), format!("envelope `{}` has type \"{value}\", which is not a value of enum {EVENT_TYPE_ENUM}; add it to the enum or fix the literal", class.name)));
        }
        by_value
            .entry(value.as_str())
            .or_default()
            .push((class, payload));
    }
    let mut bindings = Vec::new();
    for value in &event_type.values {
        match by_value.get(value.name.as_str()).map(Vec::as_slice) {
            None | Some([]) => errors.push(CompileError::new(
                value.location.clone(),
                format!("event type {} has no envelope class: add `class …Event {{ type \"{}\" contracts_version string payload <Dto> meta {EVENT_META_CLASS} }}`", value.name, value.name),
            )),
            Some([(class, payload)]) => bindings.push(EventBinding {
                event_type: value.name.clone(),
                envelope_class: class.name.clone(),
                payload_class: (*payload).to_string(),
            }),
            Some(many) => errors.push(CompileError::new(
                value.location.clone(),
                format!(
                    "event type {} has {} envelope classes ({}); keep exactly one",
                    value.name,
                    many.len(),
                    many.iter().map(|(c, _)| c.name.as_str()).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    match ir.alias(EVENT_ENVELOPE_ALIAS) {
        None => errors.push(CompileError::new(
            event_type.location.clone(),
            format!(
                "missing `type {EVENT_ENVELOPE_ALIAS} = …Event | …` listing every envelope class"
            ),
        )),
        Some(alias) => {
            let members: Vec<&str> = match &alias.ty {
                TypeExpr::Union { members } => members
                    .iter()
                    .filter_map(|m| {
                        if let TypeExpr::Named { name } = m {
                            Some(name.as_str())
                        } else {
                            None
                        }
                    })
                    .collect(),
                TypeExpr::Named { name } => vec![name.as_str()],
                _ => Vec::new(),
            };
            for b in &bindings {
                if !members.contains(&b.envelope_class.as_str()) {
                    errors.push(CompileError::new(
                        alias.location.clone(),
                        format!(
                            "`{EVENT_ENVELOPE_ALIAS}` does not list `{}`; add it to the union",
                            b.envelope_class
                        ),
                    ));
                }
            }
            for m in members {
                if !bindings.iter().any(|b| b.envelope_class == m) {
                    errors.push(CompileError::new(alias.location.clone(), format!("`{EVENT_ENVELOPE_ALIAS}` lists `{m}`, which is not an envelope class of any {EVENT_TYPE_ENUM} value")));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(bindings)
    } else {
        Err(errors)
    }
}

/// Project lint: a `@check` on a field changes its wire shape in the models
/// `baml-cli` generates (Pydantic and TypeScript wrap it as
/// `Checked{value, checks}`), so a DTO field carrying one no longer matches
/// the plain JSON the validator and the schemas describe.
pub fn wire_lints(ir: &Ir) -> Vec<CompileError> {
    ir.classes
        .iter()
        .flat_map(|class| class.fields.iter().map(move |field| (class, field)))
        .filter(|(_, field)| field.constraints.iter().any(|c| c.kind == "check"))
        .map(|(class, field)| {
            CompileError::new(
                field.location.clone(),
                format!(
                    "`@check` on `{}.{}` makes the generated models wrap the field as Checked{{value, checks}}, which changes the wire shape; use `@assert` or move the check into application code",
                    class.name, field.name
                ),
            )
        })
        .collect()
}

/// Style lints of `contracts check` (off with `--no-lint`), reported as
/// warnings: [`lint_enum_like_strings`], [`lint_class_descriptions`] and
/// [`lint_enum_value_case`].
pub fn style_lints(ir: &Ir) -> Vec<CompileError> {
    let mut out = lint_enum_like_strings(ir);
    out.extend(lint_class_descriptions(ir));
    out.extend(lint_enum_value_case(ir));
    out
}

/// `snake_case` → `SnakeCase`.
fn pascal_case(name: &str) -> String {
    name.split('_')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map_or_else(String::new, |c| {
                c.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect()
}

/// Lint: a free-form `string` field (`string`, `string?`, `string[]`) whose
/// name matches an enum that exists (`status string` while `GoalStatus`
/// exists): the wire would accept any text where only the enum's values make
/// sense.
pub fn lint_enum_like_strings(ir: &Ir) -> Vec<CompileError> {
    fn is_string(ty: &TypeExpr) -> bool {
        match ty {
            TypeExpr::Primitive { name } => name == "string",
            TypeExpr::Optional { inner } => is_string(inner),
            TypeExpr::List { items } => is_string(items),
            _ => false,
        }
    }
    let mut out = Vec::new();
    for class in &ir.classes {
        for field in class.fields.iter().filter(|f| is_string(&f.ty)) {
            let wanted = pascal_case(&field.name);
            if wanted.len() < 3 {
                continue;
            }
            let own = format!("{}{wanted}", class.name);
            let mut candidates: Vec<&str> = ir
                .enums
                .iter()
                .map(|e| e.name.as_str())
                .filter(|e| *e == wanted || e.ends_with(&wanted))
                .collect();
            // The class's own `<Class><Field>` enum, when there is one, first.
            candidates.sort_by_key(|e| (*e != own, *e != wanted, e.len(), *e));
            let Some(best) = candidates.first() else {
                continue;
            };
            let others = if candidates.len() > 1 {
                format!(
                    " (or {})",
                    candidates[1..candidates.len().min(4)].join(", ")
                )
            } else {
                String::new()
            };
            out.push(CompileError::new(
                field.location.clone(),
                format!(
                    "`{}.{}` is a free-form `{}` but enum `{best}` exists; type it `{} {}`{others} so the wire only accepts known values",
                    class.name,
                    field.name,
                    render(&field.ty),
                    field.name,
                    render(&replace_string(&field.ty, best)),
                ),
            ));
        }
    }
    out
}

/// `ty` with its `string` replaced by the named type `name`.
fn replace_string(ty: &TypeExpr, name: &str) -> TypeExpr {
    match ty {
        TypeExpr::Optional { inner } => TypeExpr::Optional {
            inner: Box::new(replace_string(inner, name)),
        },
        TypeExpr::List { items } => TypeExpr::List {
            items: Box::new(replace_string(items, name)),
        },
        _ => TypeExpr::Named {
            name: name.to_string(),
        },
    }
}

/// Lint: a class without `@@description` or doc comment. The description is
/// what the LLM and the generated models' readers see of the class's purpose.
pub fn lint_class_descriptions(ir: &Ir) -> Vec<CompileError> {
    ir.classes
        .iter()
        .filter(|c| c.description.as_deref().is_none_or(|d| d.trim().is_empty()))
        .map(|c| {
            CompileError::new(
                c.location.clone(),
                format!(
                    "class `{}` has no description; add `@@description(\"…\")` or a `///` doc comment",
                    c.name
                ),
            )
        })
        .collect()
}

/// True for `UPPER_SNAKE_CASE` (`IN_PROGRESS`, `V2`).
fn is_upper_snake(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// Lint: enum values that are not `UPPER_SNAKE_CASE`, the convention every
/// enum of the contracts follows (the value is the wire value).
pub fn lint_enum_value_case(ir: &Ir) -> Vec<CompileError> {
    ir.enums
        .iter()
        .flat_map(|e| e.values.iter().map(move |v| (e, v)))
        .filter(|(_, v)| !is_upper_snake(&v.name))
        .map(|(e, v)| {
            CompileError::new(
                v.location.clone(),
                format!(
                    "value `{}` of enum `{}` is not UPPER_SNAKE_CASE (e.g. `{}`); renaming it later is a breaking change, so fix it before release",
                    v.name,
                    e.name,
                    upper_snake(&v.name)
                ),
            )
        })
        .collect()
}

/// `inProgress` / `in-progress` → `IN_PROGRESS`.
fn upper_snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_uppercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}
