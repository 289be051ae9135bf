//! A mutable planning and the local search that improves it.
//!
//! Used when the flow is only a relaxation (partial overlaps, rest times):
//! a start is built by [`State::repair`] of the relaxed flow or by
//! [`State::greedy`], empty positions are filled by augmenting chains
//! ([`State::fill`]) and one-artist re-plans ([`State::reschedule`]), and
//! the load is evened out by transfers ([`State::rebalance`]) and transfer
//! chains ([`State::shift`]). Every search step is counted against a work
//! budget instead of a clock so the output stays deterministic.

use super::instance::{Instance, conflict, ix};
use super::relax::Relaxation;

/// Where an artist stands with respect to a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clash {
    /// No slot of the artist conflicts with it.
    Free,
    /// Exactly one does.
    One(u32),
    /// Two or more do.
    Many,
}

/// One step of an augmenting chain: `artist` leaves `from` (if any) and
/// takes `to`.
type Move = (u32, Option<u32>, u32);

/// What an augmenting chain may do.
#[derive(Debug, Clone, Copy)]
struct Chain {
    /// Allow the two-slot ending (see [`State::second_slot`]).
    swaps: bool,
    /// Highest weight (`State::weight`) of the artist ending the chain
    /// (before taking a slot).
    max_load: usize,
}

/// Breadth-first search bookkeeping, shared by successive searches.
struct Marks {
    /// Epoch in which each slot was last reached.
    seen: Vec<u64>,
    /// How each reached slot was reached: (slot needing the artist, artist).
    parent: Vec<(u32, u32)>,
    queue: Vec<u32>,
    epoch: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct State<'a> {
    pub inst: &'a Instance,
    /// Artists on each canonical slot.
    pub slot_artists: Vec<Vec<u32>>,
    /// Slots of each artist, ascending, which is also by start time.
    pub artist_slots: Vec<Vec<u32>>,
}

impl Marks {
    fn new(slots: usize) -> Self {
        Marks {
            seen: vec![0; slots],
            parent: vec![(u32::MAX, u32::MAX); slots],
            queue: Vec::new(),
            epoch: 1,
        }
    }
}

impl<'a> State<'a> {
    pub(crate) fn empty(inst: &'a Instance) -> Self {
        State {
            inst,
            slot_artists: vec![Vec::new(); inst.slots.len()],
            artist_slots: vec![Vec::new(); inst.artists.len()],
        }
    }

    /// Turns the flow's (artist, group) pairs into slot assignments, filling
    /// the slots of a group in canonical order. Any split is equivalent: the
    /// slots of a group share times and candidates.
    pub(crate) fn from_relaxation(inst: &'a Instance, relax: &Relaxation) -> Self {
        let mut state = State::empty(inst);
        let mut per_group: Vec<Vec<u32>> = vec![Vec::new(); inst.groups.len()];
        for (a, groups) in relax.taken.iter().enumerate() {
            for &g in groups {
                per_group[g as usize].push(ix(a));
            }
        }
        for (g, artists) in per_group.iter().enumerate() {
            let mut pending = artists.iter();
            for &s in &inst.groups[g].slots {
                let room = inst.slots[s as usize].positions as usize;
                for &a in pending.by_ref().take(room) {
                    state.slot_artists[s as usize].push(a);
                    state.artist_slots[a as usize].push(s);
                }
            }
        }
        for slots in &mut state.artist_slots {
            slots.sort_unstable();
        }
        state
    }

    /// Earliest-end-first greedy: slots by end time, each taking the
    /// compatible candidates idle for the shortest time before it (best
    /// fit), then the least loaded. Optimal for identical artists; a second,
    /// conflict-aware starting point otherwise.
    pub(crate) fn greedy(inst: &'a Instance) -> Self {
        let mut state = State::empty(inst);
        let mut order: Vec<u32> = (0..ix(inst.slots.len()))
            .filter(|&s| inst.slots[s as usize].group.is_some())
            .collect();
        order.sort_by_key(|&s| (inst.slots[s as usize].end, s));
        let mut ranked: Vec<(i64, usize, u32)> = Vec::new();
        for s in order {
            let slot = &inst.slots[s as usize];
            ranked.clear();
            for &a in state.candidates(s) {
                if !state.can_take(a, s) {
                    continue;
                }
                let mine = &state.artist_slots[a as usize];
                let before = mine.partition_point(|&j| inst.slots[j as usize].start < slot.start);
                let idle_from = match before.checked_sub(1) {
                    Some(k) => inst.slots[mine[k] as usize].ext_end,
                    None => {
                        let avail = &inst.artists[a as usize].availability;
                        let k = avail.partition_point(|&(from, _)| from <= slot.start);
                        k.checked_sub(1).map_or(slot.start, |k| avail[k].0)
                    }
                };
                ranked.push((slot.start.saturating_sub(idle_from), mine.len(), a));
            }
            ranked.sort_unstable();
            for &(_, _, a) in ranked.iter().take(slot.positions as usize) {
                state.assign(a, s);
            }
        }
        state
    }

    pub(crate) fn filled(&self) -> u64 {
        self.slot_artists.iter().map(|a| a.len() as u64).sum()
    }

    /// Assignments of the previous planning this one keeps.
    pub(crate) fn kept(&self) -> u64 {
        self.artist_slots
            .iter()
            .enumerate()
            .map(|(a, slots)| {
                slots
                    .iter()
                    .filter(|&&s| self.inst.was_on(ix(a), s))
                    .count() as u64
            })
            .sum()
    }

    /// The previous planning, as much of it as the rules still allow, in
    /// canonical order.
    pub(crate) fn previous(inst: &'a Instance) -> Self {
        let mut state = State::empty(inst);
        for (a, slots) in inst.previous.iter().enumerate() {
            for &s in slots {
                if state.can_take(ix(a), s) && state.candidates(s).binary_search(&ix(a)).is_ok() {
                    state.assign(ix(a), s);
                }
            }
        }
        state
    }

    /// Sum over artists of the squared number of slots, pinned ones
    /// included.
    pub(crate) fn squares(&self) -> u64 {
        (0..ix(self.artist_slots.len()))
            .map(|a| (self.weight(a) as u64).pow(2))
            .sum()
    }

    /// The artist's slots in this planning: what its `cap` limits.
    pub(crate) fn load(&self, a: u32) -> usize {
        self.artist_slots[a as usize].len()
    }

    /// The artist's slots, pinned ones included: what the balance weighs.
    pub(crate) fn weight(&self, a: u32) -> usize {
        self.load(a) + self.inst.artists[a as usize].pinned as usize
    }

    fn free(&self, s: u32) -> usize {
        (self.inst.slots[s as usize].positions as usize)
            .saturating_sub(self.slot_artists[s as usize].len())
    }

    pub(crate) fn has(&self, a: u32, s: u32) -> bool {
        self.artist_slots[a as usize].binary_search(&s).is_ok()
    }

    /// Slots of `a` conflicting with `s`. Relies on the artist's slots being
    /// pairwise compatible: their extended ranges are then disjoint and
    /// sorted, so the conflicting ones are contiguous and end the prefix of
    /// slots starting before `s` ends.
    pub(crate) fn clash(&self, a: u32, s: u32) -> Clash {
        let slots = &self.inst.slots;
        let target = &slots[s as usize];
        let mine = &self.artist_slots[a as usize];
        let before = mine.partition_point(|&j| slots[j as usize].start < target.ext_end);
        let mut found = Clash::Free;
        for &j in mine[..before].iter().rev() {
            let other = &slots[j as usize];
            if !conflict(other.start, other.ext_end, target.start, target.ext_end) {
                break;
            }
            found = match found {
                Clash::Free => Clash::One(j),
                _ => return Clash::Many,
            };
        }
        found
    }

    pub(crate) fn can_take(&self, a: u32, s: u32) -> bool {
        self.free(s) > 0
            && self.load(a) < self.inst.artists[a as usize].cap as usize
            && !self.has(a, s)
            && self.clash(a, s) == Clash::Free
    }

    pub(crate) fn assign(&mut self, a: u32, s: u32) {
        let mine = &mut self.artist_slots[a as usize];
        if let Err(at) = mine.binary_search(&s) {
            mine.insert(at, s);
            self.slot_artists[s as usize].push(a);
        }
    }

    pub(crate) fn unassign(&mut self, a: u32, s: u32) {
        let mine = &mut self.artist_slots[a as usize];
        if let Ok(at) = mine.binary_search(&s) {
            mine.remove(at);
            self.slot_artists[s as usize].retain(|&x| x != a);
        }
    }

    fn candidates(&self, s: u32) -> &'a [u32] {
        let inst = self.inst;
        match inst.slots[s as usize].group {
            Some(g) => &inst.groups[g].artists,
            None => &[],
        }
    }

    /// Makes every artist's slots pairwise compatible, keeping for each
    /// artist a largest compatible subset (earliest-end-first greedy, which
    /// is optimal for interval scheduling).
    pub(crate) fn repair(&mut self) {
        let inst = self.inst;
        for a in 0..self.artist_slots.len() {
            let mine = &self.artist_slots[a];
            let clashing = mine.windows(2).any(|w| {
                let (x, y) = (&inst.slots[w[0] as usize], &inst.slots[w[1] as usize]);
                conflict(x.start, x.ext_end, y.start, y.ext_end)
            });
            if !clashing {
                continue;
            }
            let mut by_end = mine.clone();
            by_end.sort_by_key(|&s| (inst.slots[s as usize].ext_end, s));
            let mut reach = i64::MIN;
            for s in by_end {
                let slot = &inst.slots[s as usize];
                if slot.start >= reach {
                    reach = slot.ext_end;
                } else {
                    self.unassign(ix(a), s);
                }
            }
        }
    }

    /// Fills empty positions with augmenting chains until none is found or
    /// the budget runs out.
    pub(crate) fn fill(&mut self, swaps: bool, budget: &mut u64) {
        let n = self.slot_artists.len();
        let mut marks = Marks::new(n);
        let chain = Chain {
            swaps,
            max_load: usize::MAX,
        };
        // Sharing marks across roots is only a heuristic here (a chain can
        // fail when an artist appears twice in it), so once a shared pass
        // finds nothing, one pass with fresh marks per root double-checks.
        let mut thorough = false;
        loop {
            let mut improved = false;
            for root in 0..ix(n) {
                if thorough {
                    marks.epoch += 1;
                }
                // A slot explored by a failed search since the last success
                // leads nowhere: what it can reach has not changed.
                while *budget > 0 && self.free(root) > 0 && marks.seen[root as usize] != marks.epoch
                {
                    if !self.augment(root, chain, &mut marks, budget) {
                        break;
                    }
                    improved = true;
                    marks.epoch += 1;
                }
            }
            if *budget == 0 || (thorough && !improved) {
                return;
            }
            thorough = !improved;
            marks.epoch += 1;
        }
    }

    /// Breadth-first search for a chain filling one position of `root`:
    /// artist a1 moves from j1 to root, a2 from j2 to j1, ..., and a free
    /// artist takes the last slot. Nodes are slots needing one more artist.
    /// With `chain.swaps`, a chain may also end with an artist leaving a
    /// slot for the last node and taking a second empty slot.
    fn augment(&mut self, root: u32, chain: Chain, marks: &mut Marks, budget: &mut u64) -> bool {
        let Marks {
            seen,
            parent,
            queue,
            epoch,
        } = marks;
        let epoch = *epoch;
        queue.clear();
        queue.push(root);
        seen[root as usize] = epoch;
        let mut head = 0;
        while head < queue.len() {
            let i = queue[head];
            head += 1;
            for &a in self.candidates(i) {
                if *budget == 0 {
                    return false;
                }
                *budget -= 1;
                if self.has(a, i) {
                    continue;
                }
                let below_cap = self.load(a) < self.inst.artists[a as usize].cap as usize;
                let may_end = below_cap && self.weight(a) <= chain.max_load;
                let clash = self.clash(a, i);
                // Ways to end the chain at i: a free artist takes it, or an
                // artist leaves j for it and also takes another empty slot
                // that j was blocking (j then stays empty, still a net gain).
                let tail: Option<Vec<Move>> = match clash {
                    Clash::Free if may_end => Some(vec![(a, None, i)]),
                    Clash::One(j) if may_end && chain.swaps => self
                        .second_slot(a, i, j, budget)
                        .map(|k| vec![(a, Some(j), i), (a, None, k)]),
                    _ => None,
                };
                if let Some(tail) = tail {
                    let mut moves: Vec<Move> = Vec::new();
                    let mut at = i;
                    while at != root {
                        let (up, who) = parent[at as usize];
                        moves.push((who, Some(at), up));
                        at = up;
                    }
                    moves.reverse();
                    moves.extend(tail);
                    if self.apply(&moves) {
                        return true;
                    }
                }
                let mut visit = |j: u32| {
                    if seen[j as usize] != epoch {
                        seen[j as usize] = epoch;
                        parent[j as usize] = (i, a);
                        queue.push(j);
                    }
                };
                match clash {
                    // At its limit: the artist may drop any of its slots.
                    Clash::Free if !below_cap => {
                        for &j in &self.artist_slots[a as usize] {
                            visit(j);
                        }
                    }
                    Clash::One(j) => visit(j),
                    _ => {}
                }
            }
        }
        false
    }

    /// An empty slot `a` could take besides `i` once it leaves `j`: one
    /// conflicting with `j` only (a slot conflicting with nothing would have
    /// been filled directly already).
    fn second_slot(&self, a: u32, i: u32, j: u32, budget: &mut u64) -> Option<u32> {
        let inst = self.inst;
        let (si, sj) = (&inst.slots[i as usize], &inst.slots[j as usize]);
        let groups = &inst.artists[a as usize].groups;
        let end = groups.partition_point(|&g| inst.groups[g as usize].start < sj.ext_end);
        let earliest = sj.start.saturating_sub(inst.max_span);
        for &g in groups[..end].iter().rev() {
            let group = &inst.groups[g as usize];
            if group.start < earliest {
                break;
            }
            if conflict(group.start, group.ext_end, si.start, si.ext_end)
                || !conflict(group.start, group.ext_end, sj.start, sj.ext_end)
            {
                continue;
            }
            for &k in &group.slots {
                *budget = budget.checked_sub(1)?;
                if self.free(k) > 0 && !self.has(a, k) && self.clash(a, k) == Clash::One(j) {
                    return Some(k);
                }
            }
        }
        None
    }

    /// Re-plans each artist alone: its current slots plus every slot with
    /// a free position it qualifies for, keeping the largest compatible set
    /// (earliest end first, optimal for one artist). Applied only when the
    /// artist ends up with more slots, so filled positions only grow.
    /// Returns whether anything changed.
    pub(crate) fn reschedule(&mut self, budget: &mut u64) -> bool {
        let inst = self.inst;
        let mut changed = false;
        let mut pool: Vec<u32> = Vec::new();
        for a in 0..ix(inst.artists.len()) {
            let artist = &inst.artists[a as usize];
            pool.clear();
            pool.extend_from_slice(&self.artist_slots[a as usize]);
            for &g in &artist.groups {
                for &s in &inst.groups[g as usize].slots {
                    if self.free(s) > 0 && !self.has(a, s) {
                        pool.push(s);
                    }
                }
            }
            let cost = pool.len() as u64;
            if *budget < cost {
                return changed;
            }
            *budget -= cost;
            if pool.len() <= self.load(a) {
                continue;
            }
            pool.sort_by_key(|&s| (inst.slots[s as usize].ext_end, s));
            let mut chosen: Vec<u32> = Vec::new();
            let mut reach = i64::MIN;
            for &s in &pool {
                let slot = &inst.slots[s as usize];
                if chosen.len() < artist.cap as usize && slot.start >= reach {
                    chosen.push(s);
                    reach = slot.ext_end;
                }
            }
            if chosen.len() > self.load(a) {
                for s in self.artist_slots[a as usize].clone() {
                    self.unassign(a, s);
                }
                for s in chosen {
                    self.assign(a, s);
                }
                changed = true;
            }
        }
        changed
    }

    /// Transfer chains: the most loaded artists give up a slot, refilled by
    /// an augmenting chain ending at an artist with at least two slots
    /// fewer (others on the chain only trade slots). Each success lowers the
    /// sum of squares, so this ends.
    pub(crate) fn shift(&mut self, budget: &mut u64) {
        let mut marks = Marks::new(self.slot_artists.len());
        loop {
            let mut improved = false;
            let mut order: Vec<u32> = (0..ix(self.artist_slots.len()))
                .filter(|&a| self.weight(a) >= 2 && self.load(a) >= 1)
                .collect();
            order.sort_by_key(|&a| (std::cmp::Reverse(self.weight(a)), a));
            let mut level = usize::MAX;
            for a in order {
                let load = self.weight(a);
                if load < 2 {
                    continue;
                }
                // As in `fill`, a slot explored by a failed search leads
                // nowhere until something changes; the end condition depends
                // on the load, so marks are shared per load level only.
                if load != level {
                    level = load;
                    marks.epoch += 1;
                }
                let chain = Chain {
                    swaps: false,
                    max_load: load - 2,
                };
                for s in self.artist_slots[a as usize].clone() {
                    if *budget == 0 {
                        return;
                    }
                    if marks.seen[s as usize] == marks.epoch {
                        continue;
                    }
                    self.unassign(a, s);
                    if self.augment(s, chain, &mut marks, budget) {
                        improved = true;
                        marks.epoch += 1;
                        break;
                    }
                    self.assign(a, s);
                }
            }
            if !improved {
                return;
            }
        }
    }

    /// Applies the moves in order, or none of them if one turns out invalid
    /// (an artist appearing twice in a chain can invalidate a later step).
    fn apply(&mut self, moves: &[Move]) -> bool {
        for (k, &(a, from, to)) in moves.iter().enumerate() {
            if let Some(f) = from {
                if !self.has(a, f) {
                    self.undo(&moves[..k]);
                    return false;
                }
                self.unassign(a, f);
            }
            if !self.can_take(a, to) {
                if let Some(f) = from {
                    self.assign(a, f);
                }
                self.undo(&moves[..k]);
                return false;
            }
            self.assign(a, to);
        }
        true
    }

    fn undo(&mut self, done: &[Move]) {
        for &(a, from, to) in done.iter().rev() {
            self.unassign(a, to);
            if let Some(f) = from {
                self.assign(a, f);
            }
        }
    }

    /// Moves slots from heavily loaded artists to lightly loaded ones
    /// (load difference of two or more, so the sum of squares drops) until
    /// no such transfer exists or the budget runs out.
    pub(crate) fn rebalance(&mut self, budget: &mut u64) {
        loop {
            let mut improved = false;
            for s in 0..ix(self.slot_artists.len()) {
                let holders = self.slot_artists[s as usize].clone();
                for a in holders {
                    let load = self.weight(a);
                    // Balance never costs an assignment of the previous
                    // planning: fewer changes come first.
                    if load < 2 || self.inst.was_on(a, s) {
                        continue;
                    }
                    let mut best: Option<(usize, u32)> = None;
                    for &b in self.candidates(s) {
                        if *budget == 0 {
                            return;
                        }
                        *budget -= 1;
                        let lb = self.weight(b);
                        if lb + 2 <= load
                            && best.is_none_or(|(l, _)| lb < l)
                            && self.load(b) < self.inst.artists[b as usize].cap as usize
                            && !self.has(b, s)
                            && self.clash(b, s) == Clash::Free
                        {
                            best = Some((lb, b));
                        }
                    }
                    if let Some((_, b)) = best {
                        self.unassign(a, s);
                        self.assign(b, s);
                        improved = true;
                    }
                }
            }
            if !improved {
                return;
            }
        }
    }
}
