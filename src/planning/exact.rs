//! Branch and bound for small instances the flow cannot solve exactly.
//!
//! Decides every (slot, candidate) pair in canonical order, best objective
//! first: more filled positions, then more assignments of the previous
//! planning kept, then a smaller sum of squared loads. The
//! heuristic planning is the initial incumbent, so stopping on the node
//! budget never makes things worse; finishing within it proves optimality.

use super::instance::{Instance, ix};
use super::search::State;

/// Instances with more candidate pairs are left to the integer program
/// (`proof`) and the local search.
pub(crate) const MAX_PAIRS: usize = 60;
/// Search nodes explored at most (deterministic, unlike a time limit).
const NODE_BUDGET: u64 = 2_000_000;

pub(crate) struct Outcome<'a> {
    pub state: State<'a>,
    pub proven: bool,
}

struct Search<'a> {
    pairs: Vec<(u32, u32)>,
    /// Pairs of the same slot from this index on.
    left_in_slot: Vec<u64>,
    /// Upper bound on what slots after this pair's slot can add.
    after_slot: Vec<u64>,
    /// Pairs of the previous planning from this index on.
    previous_left: Vec<u64>,
    state: State<'a>,
    /// Filled, kept, squares.
    best: (u64, u64, u64),
    best_pairs: Vec<(u32, u32)>,
    nodes: u64,
}

/// Runs the search when the instance is small enough; `None` otherwise.
pub(crate) fn improve<'a>(
    inst: &'a Instance,
    incumbent: &State<'a>,
    max_pairs: usize,
) -> Option<Outcome<'a>> {
    let mut pairs = Vec::new();
    for (s, slot) in inst.slots.iter().enumerate() {
        if let Some(g) = slot.group {
            pairs.extend(inst.groups[g].artists.iter().map(|&a| (ix(s), a)));
        }
        if pairs.len() > max_pairs {
            return None;
        }
    }
    let n = pairs.len();
    let mut left_in_slot = vec![0u64; n];
    let mut after_slot = vec![0u64; n];
    let mut later = 0u64;
    let mut k = n;
    while k > 0 {
        // One slot's run of pairs, walked backwards.
        let s = pairs[k - 1].0;
        let first = pairs[..k].partition_point(|&(x, _)| x < s);
        for j in first..k {
            left_in_slot[j] = (k - j) as u64;
            after_slot[j] = later;
        }
        let positions = u64::from(inst.slots[s as usize].positions);
        later += positions.min((k - first) as u64);
        k = first;
    }

    let mut previous_left = vec![0u64; n + 1];
    for k in (0..n).rev() {
        let (s, a) = pairs[k];
        previous_left[k] = previous_left[k + 1] + u64::from(inst.was_on(a, s));
    }

    let mut best_pairs = Vec::new();
    for (s, artists) in incumbent.slot_artists.iter().enumerate() {
        best_pairs.extend(artists.iter().map(|&a| (ix(s), a)));
    }
    let mut search = Search {
        pairs,
        left_in_slot,
        after_slot,
        previous_left,
        state: State::empty(inst),
        best: (incumbent.filled(), incumbent.kept(), incumbent.squares()),
        best_pairs,
        nodes: NODE_BUDGET,
    };
    let proven = search.dfs(0, (0, 0, 0));
    let mut state = State::empty(inst);
    for &(s, a) in &search.best_pairs {
        state.assign(a, s);
    }
    Some(Outcome { state, proven })
}

impl Search<'_> {
    /// Returns false when the node budget ran out. `at` is the (filled,
    /// kept, squares) of the pairs decided so far.
    fn dfs(&mut self, k: usize, at: (u64, u64, u64)) -> bool {
        if self.nodes == 0 {
            return false;
        }
        self.nodes -= 1;
        let (filled, kept, squares) = at;
        let better = |x: (u64, u64, u64), y: (u64, u64, u64)| {
            (x.0, x.1, std::cmp::Reverse(x.2)) > (y.0, y.1, std::cmp::Reverse(y.2))
        };
        if better(at, self.best) {
            self.best = at;
            self.best_pairs = self
                .state
                .slot_artists
                .iter()
                .enumerate()
                .flat_map(|(s, artists)| artists.iter().map(move |&a| (ix(s), a)))
                .collect();
        }
        let Some(&(s, a)) = self.pairs.get(k) else {
            return true;
        };
        let room = (self.state.inst.slots[s as usize].positions as u64)
            .saturating_sub(self.state.slot_artists[s as usize].len() as u64);
        let bound = filled + room.min(self.left_in_slot[k]) + self.after_slot[k];
        let kept_bound = kept + self.previous_left[k];
        // Adding pairs only raises the squares, so a branch that can
        // neither fill more nor keep more than the incumbent cannot win.
        let (best_filled, best_kept, best_squares) = self.best;
        if bound < best_filled
            || (bound == best_filled
                && (kept_bound < best_kept || (kept_bound == best_kept && squares >= best_squares)))
        {
            return true;
        }
        if self.state.can_take(a, s) {
            let load = self.state.weight(a) as u64;
            let was_on = u64::from(self.state.inst.was_on(a, s));
            self.state.assign(a, s);
            let done = self.dfs(k + 1, (filled + 1, kept + was_on, squares + 2 * load + 1));
            self.state.unassign(a, s);
            if !done {
                return false;
            }
        }
        self.dfs(k + 1, at)
    }
}
