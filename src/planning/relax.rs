//! The flow model: exact when conflicts are confined to time windows, a
//! relaxation (hence an upper bound) otherwise.
//!
//! Network: source -> artist (unit arcs costing 1, 3, 5, ... so that the
//! cost of `k` slots is `k^2`) -> (artist, window) -> group -> sink.
//! A window is a set of the artist's candidate groups that pairwise
//! conflict, so "at most one slot per window" is a constraint every valid
//! planning meets. The windows come from a greedy clique cover of the
//! artist's candidate intervals; when no two candidates of different windows
//! conflict, the windows capture every conflict and the flow is exact.

use super::flow::MinCostFlow;
use super::instance::{Instance, ix};

#[derive(Debug, Clone)]
pub(crate) struct Relaxation {
    /// Groups each artist takes in the flow (ascending).
    pub taken: Vec<Vec<u32>>,
    /// Maximum flow value: no valid planning fills more positions.
    pub bound: u64,
    /// True when the flow model is exact for every artist.
    pub exact: bool,
}

/// Partition of the artist's candidate groups (given ascending, hence by
/// start) into windows of pairwise-conflicting groups. Returns the window of
/// each group, the number of windows and whether every conflict is inside a
/// window.
pub(crate) fn windows(inst: &Instance, groups: &[u32]) -> (Vec<u32>, u32, bool) {
    let span = |k: usize| {
        let g = &inst.groups[groups[k] as usize];
        (g.start, g.ext_end)
    };
    let mut by_end: Vec<usize> = (0..groups.len()).collect();
    by_end.sort_by_key(|&k| (span(k).1, k));
    let mut window = vec![u32::MAX; groups.len()];
    let mut count = 0u32;
    let mut next_by_start = 0;
    // Greedy clique cover of an interval graph: the interval ending first
    // seeds a window holding every remaining interval that starts before
    // that end (they all contain the instant just before it).
    for &seed in &by_end {
        if window[seed] != u32::MAX {
            continue;
        }
        let end = span(seed).1;
        window[seed] = count;
        while next_by_start < groups.len() && span(next_by_start).0 < end {
            if window[next_by_start] == u32::MAX {
                window[next_by_start] = count;
            }
            next_by_start += 1;
        }
        count += 1;
    }

    // Any conflict across windows? Sweep by start keeping the farthest end
    // seen and the farthest end of another window.
    let mut best = (i64::MIN, u32::MAX);
    let mut other = i64::MIN;
    let mut clean = true;
    for (k, &w) in window.iter().enumerate() {
        let (start, ext_end) = span(k);
        if (best.1 != w && best.0 > start) || other > start {
            clean = false;
            break;
        }
        if best.1 == w {
            best.0 = best.0.max(ext_end);
        } else if ext_end > best.0 {
            other = best.0;
            best = (ext_end, w);
        } else {
            other = other.max(ext_end);
        }
    }
    (window, count, clean)
}

pub(crate) fn solve(inst: &Instance) -> Relaxation {
    const SOURCE: usize = 0;
    const SINK: usize = 1;
    let artist_node = |a: usize| 2 + a;
    let group_node = |g: usize| 2 + inst.artists.len() + g;
    let mut nodes = 2 + inst.artists.len() + inst.groups.len();

    let mut exact = !inst.pruned;
    // Windows first, to size the network exactly: the arc lists are the
    // planner's largest allocation.
    let mut layout = Vec::with_capacity(inst.artists.len());
    let mut arc_count = inst.groups.len();
    for artist in &inst.artists {
        if artist.groups.is_empty() || artist.cap == 0 {
            layout.push((Vec::new(), Vec::new(), 0));
            continue;
        }
        let (window, count, clean) = windows(inst, &artist.groups);
        exact &= clean;
        let mut sizes = vec![0u32; count as usize];
        for &w in &window {
            sizes[w as usize] += 1;
        }
        let units = artist.cap.min(count);
        arc_count +=
            units as usize + artist.groups.len() + sizes.iter().filter(|&&size| size > 1).count();
        layout.push((window, sizes, units));
    }

    let mut net = MinCostFlow::with_capacity(arc_count);
    let mut pair_arcs = Vec::with_capacity(inst.artists.iter().map(|a| a.groups.len()).sum());
    for (a, (artist, (window, sizes, units))) in inst.artists.iter().zip(&layout).enumerate() {
        // The k-th slot of an artist with p pins costs (p + k)^2 - (p + k -
        // 1)^2: the balance weighs the pins too.
        let pinned = i64::from(artist.pinned);
        for k in 1..=i64::from(*units) {
            net.add_edge(SOURCE, artist_node(a), 1, 2 * (pinned + k) - 1);
        }
        // Window nodes only where a window has several groups; a lone
        // group is reached from the artist directly.
        let mut node_of = vec![usize::MAX; sizes.len()];
        for (&g, &w) in artist.groups.iter().zip(window) {
            let w = w as usize;
            let from = if sizes[w] == 1 {
                artist_node(a)
            } else {
                if node_of[w] == usize::MAX {
                    node_of[w] = nodes;
                    nodes += 1;
                    net.add_edge(artist_node(a), node_of[w], 1, 0);
                }
                node_of[w]
            };
            pair_arcs.push(ix(net.add_edge(from, group_node(g as usize), 1, 0)));
        }
    }
    drop(layout);
    for (g, group) in inst.groups.iter().enumerate() {
        let cap: i64 = group
            .slots
            .iter()
            .map(|&s| {
                i64::from(inst.slots[s as usize].positions).min(i64::from(ix(group.artists.len())))
            })
            .sum();
        net.add_edge(group_node(g), SINK, cap, 0);
    }

    let bound = net.solve(SOURCE, SINK).max(0).unsigned_abs();

    // Same order as the pair arcs were added; artists without windows
    // added none.
    let mut arcs = pair_arcs.iter();
    let taken = inst
        .artists
        .iter()
        .map(|artist| {
            if artist.cap == 0 {
                return Vec::new();
            }
            artist
                .groups
                .iter()
                .zip(arcs.by_ref())
                .filter(|&(_, &arc)| net.flow(arc as usize) > 0)
                .map(|(&g, _)| g)
                .collect()
        })
        .collect();
    Relaxation {
        taken,
        bound,
        exact,
    }
}
