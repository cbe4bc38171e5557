//! Where a value sits while it is checked: a chain of segments on the stack,
//! turned into a JSON Pointer (RFC 6901) only when an issue there is kept.
//!
//! Every segment also carries a *rank*: its place in the order in which
//! issues are reported (a class's fields in declaration order, then its
//! unknown keys; list items by index; map entries in document order, the key
//! before the value). The validator reads objects in document order, so it
//! finds issues in that order; the ranks along a path, compared
//! lexicographically, restore the reporting order, and with it which issues
//! `max_issues` keeps.

use crate::issue::push_token;
use std::fmt::Write as _;

/// One step of a path.
#[derive(Debug, Clone, Copy)]
enum Token<'p> {
    /// The whole input.
    Root,
    /// An object key.
    Key(&'p str),
    /// An array index.
    Index(usize),
}

/// A value's position: its parent, how it is reached from there, and its rank.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'p> {
    parent: Option<&'p At<'p>>,
    token: Token<'p>,
    rank: usize,
    len: usize,
}

/// The rank of the whole envelope under [`At::root`]; duplicate keys, which
/// are reported before every other issue, sort under rank 0.
const ROOT_RANK: usize = 1;

impl<'p> At<'p> {
    /// The whole input.
    pub(crate) const fn root() -> At<'static> {
        At {
            parent: None,
            token: Token::Root,
            rank: ROOT_RANK,
            len: 0,
        }
    }

    /// The value under `key`, reported at place `rank` among its siblings.
    pub(crate) fn key(&'p self, key: &'p str, rank: usize) -> At<'p> {
        At {
            parent: Some(self),
            token: Token::Key(key),
            rank,
            len: self.len + 1,
        }
    }

    /// The item at `index` (ranked by its index).
    pub(crate) fn index(&'p self, index: usize) -> At<'p> {
        At {
            parent: Some(self),
            token: Token::Index(index),
            rank: index,
            len: self.len + 1,
        }
    }

    /// How many segments lead here (0 for the root).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The JSON Pointer of this position (`""` for the root).
    pub(crate) fn pointer(&self) -> String {
        let mut out = String::with_capacity(8 * self.len);
        self.write_pointer(&mut out);
        out
    }

    fn write_pointer(&self, out: &mut String) {
        if let Some(parent) = self.parent {
            parent.write_pointer(out);
        }
        match self.token {
            Token::Root => {}
            Token::Key(key) => push_token(out, key),
            Token::Index(index) => {
                // An index needs no escaping.
                let _ = write!(out, "/{index}");
            }
        }
    }

    /// The reporting order of an issue here: the ranks from the root down.
    pub(crate) fn order(&self) -> Vec<usize> {
        let mut out = Vec::with_capacity(self.len + 1);
        self.write_order(&mut out);
        out
    }

    fn write_order(&self, out: &mut Vec<usize>) {
        if let Some(parent) = self.parent {
            parent.write_order(out);
        }
        out.push(self.rank);
    }
}

#[cfg(test)]
mod tests {
    use super::At;

    #[test]
    fn pointers_escape_and_orders_follow_ranks() {
        let root = At::root();
        let payload = root.key("payload", 2);
        let odd = payload.key("a/b~c", 7);
        let item = odd.index(3);
        assert_eq!(item.pointer(), "/payload/a~1b~0c/3");
        assert_eq!(item.order(), vec![1, 2, 7, 3]);
        assert_eq!(item.len(), 3);
        assert_eq!(root.pointer(), "");
        assert!(payload.key("z", 0).order() < payload.key("a", 1).order());
    }
}
