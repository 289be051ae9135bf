//! Planner: assigns artists to time slots.
//!
//! Pure and deterministic: no IO, no clock, and the output depends on the
//! content of the problem only, not on the order of its slots or artists.
//! See `docs/planning.md` for the algorithm, its guarantees and its limits.

mod exact;
mod explain;
mod flow;
mod instance;
mod model;
mod pins;
mod proof;
mod relax;
mod replacements;
mod rules;
mod search;
#[cfg(test)]
mod tests;

pub use model::{
    Artist, Assignment, Decisions, Pick, PinProblem, Planning, Problem, Rules, Slot, Stats,
    TimeRange, UnfilledReason, UnfilledSlot, UnkeptPin,
};

pub use replacements::{Replacement, replacements};
pub use rules::{Breach, breaches, breaches_removing, sentence};

use instance::{Instance, ix};
use search::State;

/// How much work the planner may do: counted, never timed, so that the
/// same input always gives the same output on any machine.
#[derive(Debug, Clone, Copy)]
struct Budgets {
    /// Candidate (artist, group) pairs kept at most (`instance`).
    pairs: usize,
    /// Candidate examinations of the local search.
    search: u64,
    /// Work units of the final load balancing by transfer chains, which
    /// only refines the sum of squares.
    shift: u64,
    /// What the integer programs that prove the fill optimal may cost
    /// (`proof`).
    proof: proof::ProofBudget,
    /// Candidate (slot, artist) pairs up to which the exhaustive search
    /// (`exact`) settles both the fill and the balance.
    exhaustive_pairs: usize,
}

impl Budgets {
    /// Sized to stay well under a second on the largest accepted requests.
    const DEFAULT: Self = Self {
        pairs: instance::PAIR_BUDGET,
        search: 40_000_000,
        shift: 5_000_000,
        proof: proof::ProofBudget {
            pairs: 10_000,
            nodes: 2_000,
        },
        exhaustive_pairs: exact::MAX_PAIRS,
    };
}

/// How much work the planner may spend on an instance it cannot settle at
/// once (overlapping slots, rest times, limits): a factor on its default
/// budgets. The budgets stay counted, so one request gets one planning
/// whatever the machine's load; only the size of the work changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effort(f64);

impl Effort {
    pub const DEFAULT: Self = Self(1.0);
    /// The smallest factor: still a planning that holds every rule, with
    /// little search and no proof past the smallest time blocks.
    pub const LEAST: f64 = 0.01;
    /// The largest factor: a hundred times the default work is minutes on
    /// the largest requests, past any request timeout worth setting.
    pub const MOST: f64 = 100.0;

    /// `None` unless `LEAST <= factor <= MOST`.
    pub fn new(factor: f64) -> Option<Self> {
        (Self::LEAST..=Self::MOST)
            .contains(&factor)
            .then_some(Self(factor))
    }

    pub fn factor(self) -> f64 {
        self.0
    }

    /// The default budgets of the search and the proof, scaled. What the
    /// instance keeps (its candidate pairs) and the exhaustive search's
    /// size stay fixed: they bound memory and an exponential search.
    fn budgets(self) -> Budgets {
        let scale = |work: f64| (work * self.0).round();
        let default = Budgets::DEFAULT;
        // The factor is at most `MOST` and the budgets far below 2^52, so
        // every product is exact enough and fits.
        Budgets {
            search: scale(default.search as f64) as u64,
            shift: scale(default.shift as f64) as u64,
            proof: proof::ProofBudget {
                pairs: scale(default.proof.pairs as f64) as usize,
                nodes: scale(default.proof.nodes as f64) as u64,
            },
            ..default
        }
    }
}

impl Default for Effort {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Computes a planning for `problem` with the default effort.
pub fn plan(problem: &Problem) -> Planning {
    plan_with_effort(problem, Effort::DEFAULT)
}

/// Computes a planning for `problem`.
///
/// Fills as many positions as possible, then balances the load (smallest
/// sum of squared slot counts). Exact when every artist's conflicting
/// candidate slots fall into clean time windows; otherwise a relaxation
/// bounds the result and a local search (plus an exhaustive search on small
/// instances) builds it; within `effort`, an integer program proves the
/// fill.
pub fn plan_with_effort(problem: &Problem, effort: Effort) -> Planning {
    plan_with(problem, effort.budgets())
}

/// [`plan`] within explicit budgets (tests use small ones to exercise the
/// pruned mode and the integer program on sizes a brute force can check).
fn plan_with(problem: &Problem, budgets: Budgets) -> Planning {
    plan_on(problem, &Instance::new(problem, budgets.pairs), budgets)
}

/// [`plan_with`] on the problem's instance, built once by the caller.
fn plan_on(problem: &Problem, full: &Instance, budgets: Budgets) -> Planning {
    let (pins, unkept_pins) = pins::kept(problem, full);
    let open = (!pins.is_empty()).then(|| pins::open(full, &pins));
    // The search plans what the pins leave open.
    let inst = open.as_ref().unwrap_or(full);
    let relax = relax::solve(inst);
    let mut state = State::from_relaxation(inst, &relax);
    let mut bound = relax.bound;
    // Re-planning: the flow knows nothing of the previous planning, so
    // even an exact flow leaves the fewest changes to the search.
    let replanning = inst.previous.iter().any(|slots| !slots.is_empty());
    if !relax.exact || replanning {
        state.repair();
        // Local optima depend on the start and on the order of moves: make
        // a few budgeted, deterministic runs and keep the best.
        let mut starts = vec![state, State::greedy(inst)];
        if replanning {
            starts.insert(0, State::previous(inst));
        }
        let key = |s: &State| (s.filled(), s.kept(), std::cmp::Reverse(s.squares()));
        let mut best: Option<State> = None;
        'runs: for start in &starts {
            for swaps_first in [true, false] {
                // Reaching the relaxation's bound proves the filling optimal
                // (for the candidate lists the flow saw); re-planning, the
                // other runs may still change less.
                if !replanning && best.as_ref().is_some_and(|b| b.filled() >= bound) {
                    break 'runs;
                }
                let mut run = start.clone();
                improve(&mut run, swaps_first, budgets.search / 4);
                if best.as_ref().is_none_or(|b| key(&run) > key(b)) {
                    best = Some(run);
                }
            }
        }
        state = match best {
            Some(best) => best,
            None => starts.swap_remove(0),
        };
        if state.filled() < bound || replanning {
            let proof = proof::solve(inst, &relax, &state, budgets.proof);
            bound = bound.min(proof.bound);
            let better = |s: &State| (s.filled(), s.kept());
            if better(&proof.state) > better(&state) {
                state = proof.state;
                let mut budget = budgets.search / 4;
                state.rebalance(&mut budget);
            }
        }
        if !replanning {
            // Transfer chains move anyone on the way: re-planning, they
            // would trade changes for balance.
            let mut budget = budgets.shift;
            state.shift(&mut budget);
        }
        if let Some(outcome) = exact::improve(inst, &state, budgets.exhaustive_pairs) {
            state = outcome.state;
            if outcome.proven {
                bound = state.filled();
            }
        }
    }
    if inst.pruned {
        // The flow ran on cut candidate lists: only a bound from the full
        // lists is valid.
        bound = inst
            .groups
            .iter()
            .flat_map(|g| {
                g.slots.iter().map(|&s| {
                    u64::from(inst.slots[s as usize].positions).min(g.full_candidates as u64)
                })
            })
            .sum();
    }
    // The pins back in, over the whole instance, for the figures and the
    // explanations.
    let mut planned = State::empty(full);
    for &(s, a) in &pins {
        planned.assign(a, s);
    }
    for (s, artists) in state.slot_artists.iter().enumerate() {
        for &a in artists {
            planned.assign(a, ix(s));
        }
    }
    let mut planning = assemble(problem, &planned, bound + pins.len() as u64, &pins);
    planning.unkept_pins = unkept_pins;
    planning
}

/// The planning a kept schedule holds as it stands: `picks` (the
/// assignments that fill positions) explained as the planner explains its
/// own, the positions they leave empty with their reasons, and the
/// figures. The bound is the best fill any planning keeping
/// `problem.decisions` could reach (within `effort`), or the fill itself
/// where assignments that break a rule fill more. Nothing is planned: the
/// picks are what they are, whatever rules they break (`breaches` says
/// which).
pub fn evaluate(problem: &Problem, picks: &[Pick], effort: Effort) -> Planning {
    let budgets = effort.budgets();
    let inst = Instance::new(problem, budgets.pairs);
    let best = plan_on(problem, &inst, budgets);
    let canonical = |pick: &Pick| {
        Some((
            *inst.slot_of_source.get(pick.slot)?,
            *inst.artist_of_source.get(pick.artist)?,
        ))
    };
    let mut held = State::empty(&inst);
    for (s, a) in picks.iter().filter_map(canonical) {
        held.assign(a, s);
    }
    let mut pins: Vec<(u32, u32)> = problem
        .decisions
        .pinned
        .iter()
        .filter_map(canonical)
        .filter(|&(s, a)| held.slot_artists[s as usize].contains(&a))
        .collect();
    pins.sort_unstable();
    pins.dedup();
    let bound = u64::from(best.stats.filled_upper_bound).max(held.filled());
    assemble(problem, &held, bound, &pins)
}

/// Local search from a valid planning: augmenting chains (optionally
/// simple chains first, which leads to other local optima) and one-artist
/// re-plans in turn until neither fills more, then load balancing.
fn improve(state: &mut State, swaps_first: bool, mut budget: u64) {
    if !swaps_first {
        state.fill(false, &mut budget);
    }
    loop {
        state.fill(true, &mut budget);
        if !state.reschedule(&mut budget) {
            break;
        }
    }
    state.rebalance(&mut budget);
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn assemble(problem: &Problem, state: &State, bound: u64, pins: &[(u32, u32)]) -> Planning {
    let inst = state.inst;
    let mut keyed = Vec::new();
    for (s, artists) in state.slot_artists.iter().enumerate() {
        for &a in artists {
            keyed.push((ix(s), a));
        }
    }
    let sort_key = |&(s, a): &(u32, u32)| {
        let slot = &problem.slots[inst.slots[s as usize].source];
        let artist = &problem.artists[inst.artists[a as usize].source];
        (slot.starts_at, &slot.key, &artist.name, artist.id, s, a)
    };
    keyed.sort_by(|x, y| sort_key(x).cmp(&sort_key(y)));
    let assignments = keyed
        .iter()
        .map(|&(s, a)| Assignment {
            slot: inst.slots[s as usize].source,
            artist: inst.artists[a as usize].source,
            reasons: explain::reasons(problem, state, s, a, pins.binary_search(&(s, a)).is_ok()),
        })
        .collect();
    // Canonical slot order is already start, then key.
    let unfilled = (0..ix(inst.slots.len()))
        .filter_map(|s| explain::unfilled(problem, state, s))
        .collect();

    let positions: u64 = problem.slots.iter().map(|s| u64::from(s.positions)).sum();
    let filled = state.filled();
    let loads = state.artist_slots.iter().map(Vec::len);
    let stats = Stats {
        slots: saturate(problem.slots.len() as u64),
        positions: saturate(positions),
        filled: saturate(filled),
        coverage: if positions == 0 {
            1.0
        } else {
            filled as f64 / positions as f64
        },
        artists_considered: saturate(problem.artists.len() as u64),
        artists_assigned: saturate(loads.clone().filter(|&l| l > 0).count() as u64),
        max_load: saturate(loads.max().unwrap_or(0) as u64),
        filled_upper_bound: saturate(bound),
    };
    Planning {
        assignments,
        unfilled,
        unkept_pins: Vec::new(),
        stats,
    }
}
