//! The one traversal of [`TypeExpr`]: a visitor in the style of `syn::visit`.
//!
//! [`walk_type_expr`] is the only place that knows which variants hold other
//! type expressions, so a new [`TypeExpr`] variant does not compile until it
//! is handled here, and every walk (reference checks, map keys, cycles, the
//! mirror's boxing) then sees it. A walk overrides the methods it cares about
//! and calls the matching `walk_*` function (or not, to stop descending).
//! Translations of a whole type into another form (BAML text, wire types,
//! JSON Schema, Rust types, HTML) are exhaustive matches over [`TypeExpr`]
//! instead, with no catch-all arm, so they fail to compile the same way.
//!
//! ```
//! use contracts_compiler::ir::visit::{self, Visit};
//! use contracts_compiler::ir::{Primitive, TypeExpr};
//!
//! /// Counts the `null`s of a type.
//! struct Nulls(usize);
//! impl Visit<'_> for Nulls {
//!     fn visit_primitive(&mut self, primitive: Primitive) {
//!         self.0 += usize::from(primitive == Primitive::Null);
//!     }
//! }
//! let null = TypeExpr::Primitive { name: Primitive::Null };
//! let ty = TypeExpr::List { items: Box::new(TypeExpr::Union { members: vec![null.clone(), null] }) };
//! let mut nulls = Nulls(0);
//! nulls.visit_type_expr(&ty);
//! assert_eq!(nulls.0, 2);
//! ```

use super::{Literal, Primitive, TypeExpr};

/// A walk over a type expression. Every method's default visits the parts of
/// what it is given, depth first, left to right (a map's key before its value).
pub trait Visit<'ir> {
    /// Any type expression; the default dispatches on its variant.
    fn visit_type_expr(&mut self, ty: &'ir TypeExpr) {
        walk_type_expr(self, ty);
    }

    /// `string`, `int`, …, `pdf`.
    fn visit_primitive(&mut self, _primitive: Primitive) {}

    /// A reference to a class, enum or alias.
    fn visit_named(&mut self, _name: &'ir str) {}

    /// A literal type.
    fn visit_literal(&mut self, _value: &'ir Literal) {}

    /// `T[]`; the default visits `T`.
    fn visit_list(&mut self, items: &'ir TypeExpr) {
        self.visit_type_expr(items);
    }

    /// `map<K, V>`; the default visits `K`, then `V`.
    fn visit_map(&mut self, key: &'ir TypeExpr, value: &'ir TypeExpr) {
        walk_map(self, key, value);
    }

    /// `A | B | …`; the default visits every member in order.
    fn visit_union(&mut self, members: &'ir [TypeExpr]) {
        walk_union(self, members);
    }

    /// `T?`; the default visits `T`.
    fn visit_optional(&mut self, inner: &'ir TypeExpr) {
        self.visit_type_expr(inner);
    }
}

/// Calls the [`Visit`] method of `ty`'s variant.
pub fn walk_type_expr<'ir, V: Visit<'ir> + ?Sized>(visitor: &mut V, ty: &'ir TypeExpr) {
    match ty {
        TypeExpr::Primitive { name } => visitor.visit_primitive(*name),
        TypeExpr::Named { name } => visitor.visit_named(name),
        TypeExpr::Literal { value } => visitor.visit_literal(value),
        TypeExpr::List { items } => visitor.visit_list(items),
        TypeExpr::Map { key, value } => visitor.visit_map(key, value),
        TypeExpr::Union { members } => visitor.visit_union(members),
        TypeExpr::Optional { inner } => visitor.visit_optional(inner),
    }
}

/// Visits a map's key type, then its value type.
pub fn walk_map<'ir, V: Visit<'ir> + ?Sized>(
    visitor: &mut V,
    key: &'ir TypeExpr,
    value: &'ir TypeExpr,
) {
    visitor.visit_type_expr(key);
    visitor.visit_type_expr(value);
}

/// Visits every member of a union in order.
pub fn walk_union<'ir, V: Visit<'ir> + ?Sized>(visitor: &mut V, members: &'ir [TypeExpr]) {
    for member in members {
        visitor.visit_type_expr(member);
    }
}

/// A visitor from a closure over names: every class, enum or alias name `ty`
/// mentions, in order (with repeats).
///
/// ```
/// use contracts_compiler::ir::{visit, TypeExpr};
/// let ty = TypeExpr::Optional { inner: Box::new(TypeExpr::Named { name: "Goal".into() }) };
/// let mut names = Vec::new();
/// visit::each_name(&ty, |name| names.push(name));
/// assert_eq!(names, ["Goal"]);
/// ```
pub fn each_name<'ir>(ty: &'ir TypeExpr, on_name: impl FnMut(&'ir str)) {
    struct Names<F>(F);
    impl<'ir, F: FnMut(&'ir str)> Visit<'ir> for Names<F> {
        fn visit_named(&mut self, name: &'ir str) {
            (self.0)(name);
        }
    }
    Names(on_name).visit_type_expr(ty);
}

/// The class, enum and alias names `ty` reaches without a list or map in
/// between (through unions and optionals), in order: the references along
/// which recursion needs an infinitely sized value.
///
/// ```
/// use contracts_compiler::ir::{visit, TypeExpr};
/// let named = |n: &str| TypeExpr::Named { name: n.into() };
/// let ty = TypeExpr::Union { members: vec![named("A"), TypeExpr::List { items: Box::new(named("B")) }] };
/// assert_eq!(visit::direct_names(&ty), ["A"]);
/// ```
pub fn direct_names(ty: &TypeExpr) -> Vec<&str> {
    struct Direct<'ir>(Vec<&'ir str>);
    impl<'ir> Visit<'ir> for Direct<'ir> {
        fn visit_named(&mut self, name: &'ir str) {
            self.0.push(name);
        }
        fn visit_list(&mut self, _items: &'ir TypeExpr) {}
        fn visit_map(&mut self, _key: &'ir TypeExpr, _value: &'ir TypeExpr) {}
    }
    let mut direct = Direct(Vec::new());
    direct.visit_type_expr(ty);
    direct.0
}
