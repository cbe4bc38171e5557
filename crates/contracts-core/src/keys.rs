//! The keys seen so far in one object, to find a key given twice in linear
//! time: a short list while the object is small (comparing a few strings
//! beats hashing them), a hash map from the ninth key on, as jsonschema-rs
//! does for `uniqueItems`. The map uses the standard library's randomly
//! seeded `SipHash`, so a hostile client cannot make its keys collide.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// Up to this many keys, a linear scan.
const SMALL: usize = 8;

/// Each key seen in one object, with the place of its first appearance.
pub(crate) struct Keys<K> {
    small: Vec<K>,
    large: Option<HashMap<ByText<K>, usize>>,
}

/// Hashes and compares a key by its text.
struct ByText<K>(K);

impl<K: AsRef<str>> Hash for ByText<K> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_ref().hash(state);
    }
}

impl<K: AsRef<str>> PartialEq for ByText<K> {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_ref() == other.0.as_ref()
    }
}

impl<K: AsRef<str>> Eq for ByText<K> {}

impl<K: AsRef<str> + Clone> Keys<K> {
    pub(crate) fn new() -> Self {
        Self {
            small: Vec::new(),
            large: None,
        }
    }

    /// Records `key` as the next distinct key; if it was seen before,
    /// returns the place of its first appearance instead.
    pub(crate) fn first(&mut self, key: &K) -> Option<usize> {
        if let Some(large) = &mut self.large {
            let next = large.len();
            return match large.entry(ByText(key.clone())) {
                std::collections::hash_map::Entry::Occupied(seen) => Some(*seen.get()),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    slot.insert(next);
                    None
                }
            };
        }
        if let Some(place) = self.small.iter().position(|k| k.as_ref() == key.as_ref()) {
            return Some(place);
        }
        self.small.push(key.clone());
        if self.small.len() > SMALL {
            let large = self
                .small
                .drain(..)
                .enumerate()
                .map(|(place, k)| (ByText(k), place))
                .collect();
            self.large = Some(large);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Keys;

    #[test]
    fn finds_repeats_below_and_above_the_threshold() {
        let mut keys = Keys::new();
        let names: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            assert_eq!(keys.first(&name.as_str()), None, "{name}");
            assert_eq!(keys.first(&names[i / 2].as_str()), Some(i / 2));
        }
    }
}
