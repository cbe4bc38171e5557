//! Project lints: the wire-shape rule (an error) and the style rules
//! (warnings) of `contracts check`, off with `--no-lint`.

use crate::codes::Code;
use crate::error::CompileError;
use crate::ir::{ConstraintKind, Ir, Primitive, TypeExpr};

/// Project lint: a `@check` on a field changes its wire shape in the models
/// `baml-cli` generates (Pydantic and TypeScript wrap it as
/// `Checked{value, checks}`), so a DTO field carrying one no longer matches
/// the plain JSON the validator and the schemas describe.
pub fn wire_lints(ir: &Ir) -> Vec<CompileError> {
    ir.classes
        .iter()
        .flat_map(|class| class.fields.iter().map(move |field| (class, field)))
        .filter(|(_, field)| field.constraints.iter().any(|c| c.kind == ConstraintKind::Check))
        .map(|(class, field)| {
            CompileError::coded(
                Code::CheckChangesWireShape,
                field.location.clone(),
                format!(
                    "`@check` on `{}.{}` makes the generated models wrap the field as Checked{{value, checks}}, which changes the wire shape; use `@assert` or move the check into application code",
                    class.name, field.name
                ),
            )
            .with_length(field.name.chars().count())
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
            TypeExpr::Primitive { name } => *name == Primitive::String,
            TypeExpr::Optional { inner } => is_string(inner),
            TypeExpr::List { items } => is_string(items),
            TypeExpr::Named { .. }
            | TypeExpr::Literal { .. }
            | TypeExpr::Map { .. }
            | TypeExpr::Union { .. } => false,
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
            out.push(CompileError::coded(
                Code::EnumLikeString,
                field.location.clone(),
                format!(
                    "`{}.{}` is a free-form `{}` but enum `{best}` exists; type it `{} {}`{others} so the wire only accepts known values",
                    class.name,
                    field.name,
                    field.ty,
                    field.name,
                    replace_string(&field.ty, best),
                ),
            ).with_length(field.name.chars().count()));
        }
    }
    out
}

/// `ty` (a `string` under optionals and lists, see `is_string`) with its
/// `string` replaced by the named type `name`.
fn replace_string(ty: &TypeExpr, name: &str) -> TypeExpr {
    match ty {
        TypeExpr::Optional { inner } => TypeExpr::Optional {
            inner: Box::new(replace_string(inner, name)),
        },
        TypeExpr::List { items } => TypeExpr::List {
            items: Box::new(replace_string(items, name)),
        },
        TypeExpr::Primitive { .. }
        | TypeExpr::Named { .. }
        | TypeExpr::Literal { .. }
        | TypeExpr::Map { .. }
        | TypeExpr::Union { .. } => TypeExpr::Named {
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
            CompileError::coded(
                Code::ClassWithoutDescription,
                c.location.clone(),
                format!(
                    "class `{}` has no description; add `@@description(\"…\")` or a `///` doc comment",
                    c.name
                ),
            )
            .with_length("class ".len() + c.name.chars().count())
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
            CompileError::coded(
                Code::EnumValueCase,
                v.location.clone(),
                format!(
                    "value `{}` of enum `{}` is not UPPER_SNAKE_CASE (e.g. `{}`); renaming it later is a breaking change, so fix it before release",
                    v.name,
                    e.name,
                    upper_snake(&v.name)
                ),
            )
            .with_length(v.name.chars().count())
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

/// Warnings for every `@assert` / `@check` on a class or field: the IR keeps
/// them, the contracts-core validator does not enforce them.
pub fn constraint_warnings(ir: &Ir) -> Vec<CompileError> {
    let on_classes = ir.classes.iter().flat_map(|c| {
        c.constraints
            .iter()
            .map(move |k| (&c.location, c.name.chars().count(), k))
    });
    let on_fields = ir
        .classes
        .iter()
        .flat_map(|c| c.fields.iter())
        .flat_map(|f| {
            f.constraints
                .iter()
                .map(move |k| (&f.location, f.name.chars().count(), k))
        });
    on_classes
        .chain(on_fields)
        .map(|(location, length, constraint)| {
            CompileError::coded(
                Code::ConstraintNotEnforced,
                location.clone(),
                format!(
                    "@{}({}) is kept in the IR but not enforced by the contracts-core validator; enforce it in application code or remove it",
                    constraint.kind, constraint.expression
                ),
            )
            .with_length(length)
        })
        .collect()
}
