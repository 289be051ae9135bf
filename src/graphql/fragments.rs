//! A guard on fragments spreading one another. async-graphql follows such
//! chains recursively while validating (its cycle check visits every
//! fragment, used or not), so a document of a few thousand fragments, each
//! spreading the next, overflows the stack and aborts the whole process.
//! The parser cannot stop it: fragments are top-level definitions, bounded
//! only by the body size. Chains are measured here without recursion, and
//! a document whose chain is longer than async-graphql would ever execute
//! (the schema's recursion limit: a document nesting deeper is refused
//! anyway, so refusing it earlier changes no answer) is refused before it
//! is validated.

use std::collections::{HashMap, HashSet};

use async_graphql::Name;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};

/// The fragments a selection set spreads, at any depth within it.
fn spreads_in(set: &SelectionSet) -> Vec<&Name> {
    let mut spreads = Vec::new();
    let mut pending = vec![set];
    while let Some(set) = pending.pop() {
        for item in &set.items {
            match &item.node {
                Selection::Field(field) => pending.push(&field.node.selection_set.node),
                Selection::InlineFragment(inline) => {
                    pending.push(&inline.node.selection_set.node);
                }
                Selection::FragmentSpread(spread) => {
                    spreads.push(&spread.node.fragment_name.node);
                }
            }
        }
    }
    spreads
}

/// True when some fragment starts a chain of spreads longer than `max`
/// (a cycle counts as long as it is; async-graphql reports short ones).
pub fn chain_longer_than(document: &ExecutableDocument, max: usize) -> bool {
    let spreads: HashMap<&Name, Vec<&Name>> = document
        .fragments
        .iter()
        .map(|(name, fragment)| (name, spreads_in(&fragment.node.selection_set.node)))
        .collect();
    // The longest chain starting at each fragment done so far.
    let mut longest: HashMap<&Name, usize> = HashMap::new();
    let mut on_path: HashSet<&Name> = HashSet::new();
    for start in spreads.keys() {
        if longest.contains_key(start) {
            continue;
        }
        // Depth-first, with the path as an explicit stack of (fragment,
        // next spread to visit).
        let mut path: Vec<(&Name, usize)> = vec![(start, 0)];
        on_path.insert(start);
        while let Some(&(fragment, next)) = path.last() {
            if path.len() > max {
                return true;
            }
            let children = spreads.get(fragment).map_or(&[][..], Vec::as_slice);
            if let Some(&child) = children.get(next) {
                if let Some(last) = path.last_mut() {
                    last.1 += 1;
                }
                if let Some(&below) = longest.get(child) {
                    if path.len() + below > max {
                        return true;
                    }
                } else if spreads.contains_key(child) && on_path.insert(child) {
                    path.push((child, 0));
                }
            } else {
                let below = children
                    .iter()
                    .filter_map(|child| longest.get(child))
                    .max()
                    .copied()
                    .unwrap_or(0);
                longest.insert(fragment, below + 1);
                on_path.remove(fragment);
                path.pop();
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn longer_than(max: usize, query: &str) -> bool {
        match async_graphql::parser::parse_query(query) {
            Ok(document) => chain_longer_than(&document, max),
            Err(err) => panic!("test document does not parse: {err}"),
        }
    }

    fn chain(links: usize) -> String {
        let mut query = String::from("query { ...F0 } ");
        for link in 0..links {
            query.push_str(&format!(
                "fragment F{link} on Query {{ a {{ ...F{} }} }} ",
                link + 1
            ));
        }
        query.push_str(&format!("fragment F{links} on Query {{ __typename }}"));
        query
    }

    #[test]
    fn measures_chains_of_spreads() {
        // F0 .. F3: a chain of 4 fragments.
        assert!(!longer_than(4, &chain(3)));
        assert!(longer_than(3, &chain(3)));
        // Shared fragments are measured once, yet count on every path.
        let diamond = "query { ...A } fragment A on Query { ...B ...C } \
                       fragment B on Query { ...D } fragment C on Query { ...D } \
                       fragment D on Query { __typename }";
        assert!(!longer_than(3, diamond));
        assert!(longer_than(2, diamond));
        assert!(!longer_than(32, "{ artists { totalCount } }"));
    }

    #[test]
    fn cycles_and_huge_chains_end() {
        let cycle = "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }";
        assert!(!longer_than(32, cycle));
        assert!(longer_than(1, cycle));
        assert!(longer_than(32, &chain(100_000)));
    }
}
