//! Small ordered collections kept as sorted `Vec`s, for the small sets, maps and counters of the
//! simulation and the sweep: [`SortedSet`] (a subtask's aborted checkpoints, the failure
//! manager's counted IDs, the lost RPCs), [`SortedMap`] (a sink's pre-committed transactions,
//! the committed transaction per sink, the oracle's offsets per checkpoint) and [`NamedCounts`]
//! (failures by reason). The same order
//! and answers as `BTreeSet` / `BTreeMap`, with far less code in the browser bundle (each
//! `BTreeSet<T>` or `BTreeMap<K, V>` brings its own node insert, split and rebalance code) and
//! no node allocation; they hold a few entries, so a binary search and a shift cost less too.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Borrow;

/// A set of `T` in ascending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedSet<T>(Vec<T>);

impl<T> Default for SortedSet<T> {
    fn default() -> Self {
        SortedSet(Vec::new())
    }
}

impl<T: Ord> SortedSet<T> {
    pub fn new() -> Self {
        SortedSet(Vec::new())
    }

    /// Adds `v`; false if it was there already (as `BTreeSet::insert`).
    pub fn insert(&mut self, v: T) -> bool {
        match self.0.binary_search(&v) {
            Ok(_) => false,
            Err(i) => {
                self.0.insert(i, v);
                true
            }
        }
    }

    /// Removes `v`; whether it was there.
    pub fn remove(&mut self, v: &T) -> bool {
        match self.0.binary_search(v) {
            Ok(i) => {
                self.0.remove(i);
                true
            }
            Err(_) => false,
        }
    }

    /// Whether `v` is there; `v` may be a borrowed form of `T` (`&str` for `String`).
    pub fn contains<Q: Ord + ?Sized>(&self, v: &Q) -> bool
    where
        T: Borrow<Q>,
    {
        self.0.binary_search_by(|x| x.borrow().cmp(v)).is_ok()
    }

    /// Removes and returns the smallest.
    pub fn pop_first(&mut self) -> Option<T> {
        (!self.0.is_empty()).then(|| self.0.remove(0))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn clear(&mut self) {
        self.0.clear()
    }

    /// In ascending order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.0.iter()
    }
}

/// A map in ascending key order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub fn new() -> Self {
        SortedMap(Vec::new())
    }

    /// Where `k` is (or would go); `k` may be a borrowed form of `K`, as in `BTreeMap`.
    fn find<Q: Ord + ?Sized>(&self, k: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.0.binary_search_by(|(x, _)| x.borrow().cmp(k))
    }

    /// Sets `k` to `v`; the value it had, if any (as `BTreeMap::insert`).
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, v)),
            Err(i) => {
                self.0.insert(i, (k, v));
                None
            }
        }
    }

    /// The value of `k`, made with `make` first if there is none (`entry(k).or_insert_with`).
    pub fn get_or_insert_with(&mut self, k: K, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&k) {
            Ok(i) => i,
            Err(i) => {
                self.0.insert(i, (k, make()));
                i
            }
        };
        &mut self.0[i].1
    }

    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| &self.0[i].1)
    }

    pub fn get_mut(&mut self, k: &K) -> Option<&mut V> {
        let i = self.find(k).ok()?;
        Some(&mut self.0[i].1)
    }

    /// Removes `k`; its value, if it had one.
    pub fn remove(&mut self, k: &K) -> Option<V> {
        let i = self.find(k).ok()?;
        Some(self.0.remove(i).1)
    }

    pub fn clear(&mut self) {
        self.0.clear()
    }

    /// Keeps the entries for which `keep` is true (as `BTreeMap::retain`).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v))
    }

    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(k).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// (key, value) in ascending key order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&K, &V)> + '_ {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &K> + '_ {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + '_ {
        self.0.iter().map(|(_, v)| v)
    }

    /// The entries with a key `<= k`, in ascending key order (`BTreeMap::range(..=k)`).
    pub fn up_to(&self, k: &K) -> impl DoubleEndedIterator<Item = (&K, &V)> + '_ {
        let end = match self.find(k) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        self.0[..end].iter().map(|(k, v)| (k, v))
    }

    /// Splits off every entry with a key `>= k` (as `BTreeMap::split_off`).
    pub fn split_off(&mut self, k: &K) -> SortedMap<K, V> {
        let i = self.find(k).unwrap_or_else(|i| i);
        SortedMap(self.0.split_off(i))
    }
}

impl<K: Ord, V> std::ops::Index<&K> for SortedMap<K, V> {
    type Output = V;
    fn index(&self, k: &K) -> &V {
        self.get(k).expect("no entry for that key")
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    /// As `BTreeMap`'s: a later value of a key replaces an earlier one.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = SortedMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

/// Counts by name (a failure reason's `name()`), in the names' order: serialized as a JSON
/// object, as a `BTreeMap<&str, u64>` was.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NamedCounts(Vec<(&'static str, u64)>);

impl NamedCounts {
    pub fn new() -> NamedCounts {
        NamedCounts(Vec::new())
    }

    /// Adds `n` to the count of `name`.
    pub fn add(&mut self, name: &'static str, n: u64) {
        match self.0.binary_search_by(|(k, _)| (*k).cmp(name)) {
            Ok(i) => self.0[i].1 += n,
            Err(i) => self.0.insert(i, (name, n)),
        }
    }

    pub fn get(&self, name: &str) -> Option<&u64> {
        let i = self.0.binary_search_by(|(k, _)| (*k).cmp(name)).ok()?;
        Some(&self.0[i].1)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// (name, count) in the names' order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        self.0.iter().copied()
    }

    pub fn keys(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.iter().map(|(k, _)| *k)
    }

    pub fn values(&self) -> impl Iterator<Item = u64> + '_ {
        self.0.iter().map(|(_, n)| *n)
    }
}

impl std::ops::Index<&str> for NamedCounts {
    type Output = u64;
    fn index(&self, name: &str) -> &u64 {
        self.get(name).expect("no count of that name")
    }
}

impl Serialize for NamedCounts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, n) in &self.0 {
            m.serialize_entry(k, n)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_as_a_btree_set_does() {
        let mut s = SortedSet::new();
        let mut b = std::collections::BTreeSet::new();
        for v in [5u64, 1, 9, 5, 3, 1, 7] {
            assert_eq!(s.insert(v), b.insert(v));
        }
        assert!(s.iter().copied().eq(b.iter().copied()));
        for v in [3u64, 4, 9] {
            assert_eq!(s.remove(&v), b.remove(&v));
            assert_eq!(s.contains(&v), b.contains(&v));
        }
        assert_eq!(s.pop_first(), b.pop_first());
        assert_eq!(s.len(), b.len());
        s.clear();
        assert!(s.is_empty() && s.pop_first().is_none());
    }

    #[test]
    fn a_sorted_map_answers_as_a_btree_map_does() {
        let mut m = SortedMap::new();
        let mut b = std::collections::BTreeMap::new();
        for (k, v) in [(5u64, 'a'), (1, 'b'), (9, 'c'), (5, 'd'), (3, 'e')] {
            assert_eq!(m.insert(k, v), b.insert(k, v));
        }
        *m.get_or_insert_with(7, || 'f') = 'g';
        *b.entry(7).or_insert_with(|| 'f') = 'g';
        *m.get_or_insert_with(1, || 'x') = 'h';
        *b.entry(1).or_insert_with(|| 'x') = 'h';
        assert!(m.iter().eq(b.iter()));
        assert!(m.values().rev().eq(b.values().rev()));
        assert_eq!((m.get(&3), m.get(&4)), (b.get(&3), b.get(&4)));
        assert_eq!(m.contains_key(&9), b.contains_key(&9));
        assert_eq!((m.remove(&3), m.remove(&4)), (b.remove(&3), b.remove(&4)));
        *m.get_mut(&9).unwrap() = 'z';
        *b.get_mut(&9).unwrap() = 'z';
        assert_eq!(m.get_mut(&8), b.get_mut(&8));
        m.retain(|k, _| *k != 1);
        b.retain(|k, _| *k != 1);
        assert!(m.iter().eq(b.iter()));
        assert!(m.up_to(&5).rev().eq(b.range(..=5).rev()));
        assert!(m.up_to(&6).eq(b.range(..=6)));
        let (hi, bhi) = (m.split_off(&6), b.split_off(&6));
        assert!(hi.iter().eq(bhi.iter()) && m.iter().eq(b.iter()));
        assert!(hi.into_iter().eq(bhi));
        let f: SortedMap<u64, char> = [(2, 'a'), (1, 'b'), (2, 'c')].into_iter().collect();
        assert_eq!(
            f.iter().map(|(k, v)| (*k, *v)).collect::<Vec<_>>(),
            [(1, 'b'), (2, 'c')]
        );
    }

    #[test]
    fn counts_add_up_in_name_order_and_serialize_as_a_btree_map_does() {
        let mut c = NamedCounts::new();
        let mut b = std::collections::BTreeMap::new();
        for (k, n) in [("b", 1), ("a", 2), ("c", 1), ("a", 3)] {
            c.add(k, n);
            *b.entry(k).or_insert(0) += n;
        }
        assert!(c.iter().eq(b.iter().map(|(k, n)| (*k, *n))));
        assert_eq!(c["a"], 5);
        assert_eq!(c.get("z"), None);
        assert_eq!(
            serde_json::to_string_pretty(&c).unwrap(),
            serde_json::to_string_pretty(&b).unwrap()
        );
        assert_eq!(serde_json::to_string(&NamedCounts::new()).unwrap(), "{}");
    }
}
