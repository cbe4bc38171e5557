//! Cross-checks every BAML tree must pass ([`cross_check`]), the project's
//! event rules ([`event_bindings`], from [`crate::events`]) and the project
//! lints that can be turned off (`contracts check --no-lint`: [`wire_lints`],
//! [`style_lints`]).
//!
//! ```
//! let mut ir = contracts_compiler::ir::Ir::default();
//! contracts_compiler::parser::parse_file("a.baml", "class A {\n  b Missing\n}", &mut ir).unwrap();
//! let errors = contracts_compiler::check::cross_check(&ir);
//! assert_eq!(errors[0].code, contracts_compiler::codes::Code::UnknownType);
//! ```

mod clients;
mod cycles;
mod lints;

pub use lints::{
    constraint_warnings, lint_class_descriptions, lint_enum_like_strings, lint_enum_value_case,
    style_lints, wire_lints,
};

// The event rules live with the event model; `check::event_bindings` stays a
// documented path (README "Modules").
pub use crate::events::event_bindings;

use crate::codes::Code;
use crate::error::{CompileError, Location};
use crate::ir::visit::{self, Visit};
use crate::ir::{Ir, Literal, Primitive, TypeExpr};
use std::collections::HashMap;

/// Checks that hold for any valid BAML tree: unique names, known references,
/// valid map keys, no forbidden recursion, clients and strategies that exist.
pub fn cross_check(ir: &Ir) -> Vec<CompileError> {
    let mut errors = Vec::new();
    let mut seen = HashMap::new();
    let keywords = ir
        .classes
        .iter()
        .map(|_| "class")
        .chain(ir.enums.iter().map(|_| "enum"))
        .chain(ir.type_aliases.iter().map(|_| "type"));
    for ((name, location), keyword) in ir.declared_types().zip(keywords) {
        if let Some(first) = seen.insert(name.as_str(), location) {
            // The location is the keyword's: span `class Name`.
            let len = keyword.len() + 1 + name.chars().count();
            errors.push(
                duplicate(Code::DuplicateType, location, first, len, format!("duplicate type name `{name}`: it is already declared at {first}; rename one of them")),
            );
        }
    }
    for class in &ir.classes {
        let mut fields = HashMap::new();
        for field in &class.fields {
            let len = field.name.chars().count();
            if let Some(first) = fields.insert(field.name.as_str(), &field.location) {
                errors.push(duplicate(
                    Code::DuplicateField,
                    &field.location,
                    first,
                    len,
                    format!(
                        "duplicate field `{}` in class `{}` (first declared at {first})",
                        field.name, class.name
                    ),
                ));
            }
            check_refs(&field.ty, &seen, &field.location, len, &mut errors);
        }
    }
    for e in &ir.enums {
        let mut values = HashMap::new();
        for value in &e.values {
            if let Some(first) = values.insert(value.name.as_str(), &value.location) {
                let len = value.name.chars().count();
                errors.push(duplicate(
                    Code::DuplicateEnumValue,
                    &value.location,
                    first,
                    len,
                    format!(
                        "duplicate value `{}` in enum `{}` (first declared at {first})",
                        value.name, e.name
                    ),
                ));
            }
        }
    }
    for alias in &ir.type_aliases {
        let len = alias.name.chars().count();
        check_refs(&alias.ty, &seen, &alias.location, len, &mut errors);
    }
    check_map_keys(ir, &mut errors);
    if errors.is_empty() {
        cycles::check_cycles(ir, &mut errors);
    }
    check_functions(ir, &seen, &mut errors);
    clients::check_clients(ir, &seen, &mut errors);
    errors
}

/// A name declared twice: the error at the second place, labelled at the first.
fn duplicate(
    code: Code,
    at: &Location,
    first: &Location,
    length: usize,
    message: String,
) -> CompileError {
    CompileError::coded(code, at.clone(), message)
        .with_length(length)
        .with_label(first.clone(), length, "first declared here")
}

/// Function names are unique, parameter names unique per function, and
/// every type a signature uses is declared.
fn check_functions(ir: &Ir, declared: &HashMap<&str, &Location>, errors: &mut Vec<CompileError>) {
    let mut functions = HashMap::new();
    for function in &ir.functions {
        let len = function.name.chars().count();
        if let Some(first) = functions.insert(function.name.as_str(), &function.location) {
            errors.push(
                CompileError::coded(
                    Code::DuplicateFunction,
                    function.location.clone(),
                    format!(
                        "duplicate function `{}` (first declared at {first}); rename one of them",
                        function.name
                    ),
                )
                .with_label(first.clone(), len, "first declared here"),
            );
        }
        let mut params = HashMap::new();
        for param in &function.params {
            let len = param.name.chars().count();
            if let Some(first) = params.insert(param.name.as_str(), &param.location) {
                errors.push(
                    duplicate(Code::DuplicateParameter, &param.location, first, len, format!(
                            "duplicate parameter `{}` in function `{}`; the generated clients cannot have two arguments with one name",
                            param.name, function.name
                        )),
                );
            }
            check_refs(&param.ty, declared, &param.location, len, errors);
        }
        check_refs(
            &function.return_type,
            declared,
            &function.location,
            "function".len(),
            errors,
        );
    }
}

/// Visits every type expression that can hold a map, with the location to report.
fn all_types(ir: &Ir) -> Vec<(&TypeExpr, &Location)> {
    let mut out = Vec::new();
    for class in &ir.classes {
        out.extend(class.fields.iter().map(|f| (&f.ty, &f.location)));
    }
    out.extend(ir.type_aliases.iter().map(|a| (&a.ty, &a.location)));
    for function in &ir.functions {
        out.extend(function.params.iter().map(|p| (&p.ty, &p.location)));
        out.push((&function.return_type, &function.location));
    }
    out
}

/// BAML map keys are `string`, an enum, or string literals (and unions of those).
fn check_map_keys(ir: &Ir, errors: &mut Vec<CompileError>) {
    fn valid_key(ir: &Ir, key: &TypeExpr) -> bool {
        match key {
            TypeExpr::Primitive { name } => *name == Primitive::String,
            TypeExpr::Named { name } => ir.enum_named(name).is_some(),
            TypeExpr::Literal { value } => match value {
                Literal::String(_) => true,
                Literal::Int(_) | Literal::Bool(_) => false,
            },
            TypeExpr::Union { members } => members.iter().all(|m| valid_key(ir, m)),
            TypeExpr::List { .. } | TypeExpr::Map { .. } | TypeExpr::Optional { .. } => false,
        }
    }
    /// Reports every map with an invalid key; an invalid key is reported
    /// once, not searched for further maps.
    struct MapKeys<'a> {
        ir: &'a Ir,
        location: &'a Location,
        errors: &'a mut Vec<CompileError>,
    }
    impl<'ir> Visit<'ir> for MapKeys<'_> {
        fn visit_map(&mut self, key: &'ir TypeExpr, value: &'ir TypeExpr) {
            if !valid_key(self.ir, key) {
                self.errors.push(CompileError::coded(
                    Code::InvalidMapKey,
                    self.location.clone(),
                    format!("invalid map key type `{key}`: BAML map keys must be `string`, an enum or string literals, e.g. map<string, V>"),
                ));
            }
            self.visit_type_expr(value);
        }
    }
    for (ty, location) in all_types(ir) {
        MapKeys {
            ir,
            location,
            errors,
        }
        .visit_type_expr(ty);
    }
}

/// Renders a type expression back to BAML syntax: the same as
/// `ty.to_string()` (the [`std::fmt::Display`] of [`TypeExpr`]), kept for
/// callers that pass a function.
pub fn render(ty: &TypeExpr) -> String {
    ty.to_string()
}

fn check_refs(
    ty: &TypeExpr,
    declared: &HashMap<&str, &Location>,
    location: &Location,
    length: usize,
    errors: &mut Vec<CompileError>,
) {
    visit::each_name(ty, |name| {
        if !declared.contains_key(name) {
            errors.push(
                CompileError::coded(
                    Code::UnknownType,
                    location.clone(),
                    format!("unknown type `{name}`: declare a class, enum or `type {name} = …`, or fix the spelling"),
                )
                .with_length(length),
            );
        }
    });
}
