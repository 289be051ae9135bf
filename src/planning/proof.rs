//! Proven optimum where an integer program is cheap.
//!
//! The model is the planner's own, over (artist, group) pairs: an artist
//! takes at most one slot of a group (its slots share their times), a
//! group takes at most its positions, an artist takes at most one of each
//! set of its candidate groups that pairwise conflict (the maximal cliques
//! of an interval graph: the groups running at some group's start), and at
//! most its cap. Its linear relaxation is far tighter than the flow's
//! windows, and branch and bound (microlp, pure Rust) closes the rest.
//!
//! Time blocks that no slot bridges (festival days, say) are independent
//! when no artist's cap can bind, and are solved one by one: smaller
//! programs, and a search that never branches on one day to settle
//! another. The heuristic planning seeds each search, so stopping on the
//! node budget never makes the answer worse; the best bound proven stays
//! valid whether or not a search finished.

use std::panic::{AssertUnwindSafe, catch_unwind};

use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOptions, Variable};

use super::instance::{Instance, ix};
use super::relax::Relaxation;
use super::search::State;

/// What the integer programs found.
pub(crate) struct Proof<'a> {
    /// The best planning found: the incumbent's, wherever no search found
    /// better.
    pub state: State<'a>,
    /// No planning fills more than this.
    pub bound: u64,
}

/// What the integer programs may cost, all blocks together: the time of a
/// relaxation grows with its (artist, group) pairs, faster than linearly.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProofBudget {
    pub pairs: usize,
    pub nodes: u64,
}

/// Solves each time block the incumbent may not fill best, within the
/// budget; blocks past what is left of it keep the incumbent's part.
pub(crate) fn solve<'a>(
    inst: &'a Instance,
    relax: &Relaxation,
    incumbent: &State<'a>,
    budget: ProofBudget,
) -> Proof<'a> {
    let mut state = State::empty(inst);
    let mut bound = 0;
    let mut left = budget;
    for block in blocks(inst) {
        let incumbent_part = incumbent_pairs(inst, &block, incumbent);
        // The blocks are independent, so the flow's units in a block bound
        // its fill: where the incumbent reaches them and keeps every
        // previous assignment there is, it is proven there.
        let flow_part = flow_units(relax, &block);
        let kept_all = incumbent_part
            .iter()
            .filter(|&&(a, g)| was_on(inst, a, g))
            .count()
            == previous_pairs(inst, &block);
        let solved = if incumbent_part.len() as u64 >= flow_part && kept_all {
            Some((incumbent_part, flow_part))
        } else {
            solve_block(inst, &block, incumbent, &mut left)
                .map(|(taken, block_bound)| (taken, block_bound.min(flow_part)))
        };
        let (taken, block_bound) = match solved {
            Some(solved) => solved,
            // Past the budget, or the solver failed: the incumbent's part
            // stands, bounded by the flow's units there.
            None => (incumbent_pairs(inst, &block, incumbent), flow_part),
        };
        bound += block_bound;
        for (a, g) in taken {
            take_in_group(&mut state, a, g);
        }
    }
    if state.filled() < incumbent.filled() {
        // A block's solution is never worse than its part of the incumbent,
        // so this does not happen; the incumbent is the safe answer if it
        // ever did.
        state = incumbent.clone();
    }
    Proof { state, bound }
}

/// Groups in canonical order, cut wherever no group running before the cut
/// reaches past it (rest included), when every artist's cap is loose
/// enough that the parts are independent; otherwise one block of them all.
fn blocks(inst: &Instance) -> Vec<Vec<u32>> {
    let all = || vec![(0..ix(inst.groups.len())).collect::<Vec<u32>>()];
    if inst
        .artists
        .iter()
        .any(|artist| (artist.cap as usize) < artist.groups.len())
    {
        return all();
    }
    let mut blocks: Vec<Vec<u32>> = Vec::new();
    let mut reach = i64::MIN;
    for (g, group) in inst.groups.iter().enumerate() {
        match blocks.last_mut() {
            Some(block) if group.start < reach => block.push(ix(g)),
            _ => blocks.push(vec![ix(g)]),
        }
        reach = reach.max(group.ext_end);
    }
    blocks
}

/// The block's best (artist, group) pairs and bound, or `None` when the
/// block is past what is left of the budget or the solver fails.
fn solve_block(
    inst: &Instance,
    block: &[u32],
    incumbent: &State<'_>,
    left: &mut ProofBudget,
) -> Option<(Vec<(u32, u32)>, u64)> {
    let pairs: usize = block
        .iter()
        .map(|&g| inst.groups[g as usize].artists.len())
        .sum();
    if pairs == 0 {
        return Some((Vec::new(), 0));
    }
    if pairs > left.pairs {
        return None;
    }
    left.pairs -= pairs;
    let mut problem = Problem::new(OptimizationDirection::Maximize);
    // Filling comes first: a position is worth more than keeping every
    // previous assignment of the block.
    let keeping = 1.0 / (previous_pairs(inst, block) as f64 + 1.0);
    // Per artist, its candidate groups of the block (ascending, hence by
    // start) and their variables.
    let mut per_artist: Vec<Vec<(u32, Variable)>> = vec![Vec::new(); inst.artists.len()];
    for &g in block {
        let group = &inst.groups[g as usize];
        let mut terms = Vec::with_capacity(group.artists.len());
        for &a in &group.artists {
            let worth = if was_on(inst, a, g) {
                1.0 + keeping
            } else {
                1.0
            };
            let var = problem.add_binary_var(worth);
            per_artist[a as usize].push((g, var));
            terms.push((var, 1.0));
        }
        let positions: u64 = group
            .slots
            .iter()
            .map(|&s| u64::from(inst.slots[s as usize].positions))
            .sum();
        if (positions as usize) < terms.len() {
            problem.add_constraint(terms.as_slice(), ComparisonOp::Le, positions as f64);
        }
    }
    for (artist, candidates) in inst.artists.iter().zip(&per_artist) {
        for clique in cliques(inst, candidates) {
            let terms: Vec<(Variable, f64)> =
                clique.iter().map(|&k| (candidates[k].1, 1.0)).collect();
            problem.add_constraint(terms.as_slice(), ComparisonOp::Le, 1.0);
        }
        if (artist.cap as usize) < candidates.len() {
            let terms: Vec<(Variable, f64)> =
                candidates.iter().map(|&(_, var)| (var, 1.0)).collect();
            problem.add_constraint(terms.as_slice(), ComparisonOp::Le, f64::from(artist.cap));
        }
    }

    let mut warm_start = Vec::with_capacity(pairs);
    for (a, candidates) in per_artist.iter().enumerate() {
        for &(g, var) in candidates {
            let taken = in_group(inst, incumbent, ix(a), g);
            warm_start.push((var, if taken { 1.0 } else { 0.0 }));
        }
    }
    let mut options = SolveOptions::default();
    options.node_limit = Some(left.nodes);
    options.warm_start = Some(warm_start);
    // microlp says it may still lose precision on hard problems: a fault
    // of the solver costs the proof, never the heuristic's answer.
    let outcome = catch_unwind(AssertUnwindSafe(|| problem.solve_with(options)))
        .ok()?
        .ok()?;
    let stats = outcome.stats();
    left.nodes = left.nodes.saturating_sub(stats.nodes_solved);
    let proven = outcome.is_optimal();
    let solution = outcome.solution()?;
    // The fill is an integer and what keeping adds stays below one: a
    // bound of 162.4 proves 162.
    let objective = if proven {
        solution.objective()
    } else {
        stats.best_bound?
    };
    let bound = (objective + 1e-6).floor().max(0.0) as u64;
    let taken = per_artist
        .iter()
        .enumerate()
        .flat_map(|(a, candidates)| {
            candidates
                .iter()
                .filter(|&&(_, var)| solution.var_value(var) > 0.5)
                .map(move |&(g, _)| (ix(a), g))
        })
        .collect();
    Some((taken, bound))
}

/// The flow's (artist, group) units within the block.
fn flow_units(relax: &Relaxation, block: &[u32]) -> u64 {
    let (first, last) = match (block.first(), block.last()) {
        (Some(&first), Some(&last)) => (first, last),
        _ => return 0,
    };
    // A block is a run of consecutive groups.
    debug_assert_eq!(block.len(), (last - first) as usize + 1);
    relax
        .taken
        .iter()
        .map(|groups| groups.iter().filter(|&&g| first <= g && g <= last).count() as u64)
        .sum()
}

/// True when the artist held the group's slot in the previous planning (a
/// slot of the previous planning is a group of its own).
fn was_on(inst: &Instance, a: u32, g: u32) -> bool {
    match inst.groups[g as usize].slots.as_slice() {
        [s] => inst.was_on(a, *s),
        _ => false,
    }
}

/// The (artist, group) pairs of the block that the previous planning held.
fn previous_pairs(inst: &Instance, block: &[u32]) -> usize {
    block
        .iter()
        .map(|&g| {
            inst.groups[g as usize]
                .artists
                .iter()
                .filter(|&&a| was_on(inst, a, g))
                .count()
        })
        .sum()
}

/// True when the artist holds a slot of the group.
fn in_group(inst: &Instance, state: &State<'_>, a: u32, g: u32) -> bool {
    inst.groups[g as usize]
        .slots
        .iter()
        .any(|&s| state.has(a, s))
}

/// The incumbent's (artist, group) pairs within the block.
fn incumbent_pairs(inst: &Instance, block: &[u32], incumbent: &State<'_>) -> Vec<(u32, u32)> {
    block
        .iter()
        .flat_map(|&g| {
            inst.groups[g as usize]
                .artists
                .iter()
                .filter(move |&&a| in_group(inst, incumbent, a, g))
                .map(move |&a| (a, g))
        })
        .collect()
}

/// Gives the artist a slot of the group it can take: any of them, as they
/// share times and candidates. Every rule is checked again, so that a
/// solver's numerical slip can cost a position, never break a rule.
fn take_in_group(state: &mut State<'_>, a: u32, g: u32) {
    let inst = state.inst;
    if let Some(s) = inst.groups[g as usize]
        .slots
        .iter()
        .copied()
        .find(|&s| state.can_take(a, s))
    {
        state.assign(a, s);
    }
}

/// The maximal sets of pairwise-conflicting groups among an artist's
/// candidates (ascending, hence by start), as indices into them: in an
/// interval graph these are the groups running at some group's start.
/// Sets of one are left out: they constrain nothing.
fn cliques(inst: &Instance, candidates: &[(u32, Variable)]) -> Vec<Vec<usize>> {
    let span = |k: usize| {
        let group = &inst.groups[candidates[k].0 as usize];
        (group.start, group.ext_end)
    };
    let mut found: Vec<Vec<usize>> = Vec::new();
    for k in 0..candidates.len() {
        let (at, _) = span(k);
        // Sorted by start: the groups running at `at` start at or before it.
        let clique: Vec<usize> = (0..candidates.len())
            .take_while(|&j| span(j).0 <= at)
            .filter(|&j| at < span(j).1)
            .collect();
        if clique.len() < 2 {
            continue;
        }
        // A later point's set can only hold an earlier one whole if it
        // equals it plus later starts: drop the earlier then.
        found.retain(|earlier| !earlier.iter().all(|j| clique.contains(j)));
        found.push(clique);
    }
    found
}
