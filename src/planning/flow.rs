//! Min-cost maximum flow with non-negative arc costs.
//!
//! Primal-dual successive shortest paths: a Dijkstra on reduced costs
//! updates the node potentials, then a Dinic blocking-flow phase pushes as
//! many units as possible along the arcs whose reduced cost is zero (all of
//! them shortest paths). The flow stays a minimum-cost flow for its value at
//! every step and stops at the maximum value, so the result is a min-cost
//! *maximum* flow: more flow always wins over a cheaper one. The number of
//! Dijkstra runs is the number of distinct shortest-path lengths, which is
//! small for the planner's graphs (path costs are `2k - 1` for the `k`-th
//! slot of an artist), instead of one per unit of flow.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::instance::ix;

const UNREACHED: i64 = i64::MAX;

/// Arcs as added: forward only, the reverse arcs are implicit until solve.
/// Capacities and costs are `i32` to halve the memory of the largest
/// networks; callers' values are clamped (no planner flow comes near).
#[derive(Debug, Clone, Default)]
pub(crate) struct MinCostFlow {
    from: Vec<u32>,
    to: Vec<u32>,
    cap: Vec<i32>,
    cost: Vec<i32>,
    /// After solve: where each added arc landed in the residual layout, and
    /// the residual capacities in that layout.
    place: Vec<u32>,
    residual: Vec<i32>,
    reverse: Vec<u32>,
}

fn clamp(x: i64) -> i32 {
    i32::try_from(x).unwrap_or(if x < 0 { i32::MIN } else { i32::MAX })
}

impl MinCostFlow {
    #[cfg(test)]
    pub(crate) fn new() -> Self {
        MinCostFlow::default()
    }

    /// An empty network with room for `arcs` arcs.
    pub(crate) fn with_capacity(arcs: usize) -> Self {
        MinCostFlow {
            from: Vec::with_capacity(arcs),
            to: Vec::with_capacity(arcs),
            cap: Vec::with_capacity(arcs),
            cost: Vec::with_capacity(arcs),
            ..MinCostFlow::default()
        }
    }

    /// Adds an arc and returns its id. `cost` must be non-negative (the
    /// first Dijkstra runs with zero potentials).
    pub(crate) fn add_edge(&mut self, u: usize, v: usize, cap: i64, cost: i64) -> usize {
        self.from.push(ix(u));
        self.to.push(ix(v));
        self.cap.push(clamp(cap));
        self.cost.push(clamp(cost));
        self.to.len() - 1
    }

    /// Flow on arc `e` after [`Self::solve`]: the residual capacity of its
    /// reverse arc, which starts at zero.
    pub(crate) fn flow(&self, e: usize) -> i64 {
        self.place
            .get(e)
            .and_then(|&p| self.reverse.get(p as usize))
            .and_then(|&r| self.residual.get(r as usize))
            .map_or(0, |&c| i64::from(c))
    }

    /// Pushes a min-cost maximum flow from `s` to `t` and returns its value.
    /// Call once: the potentials start at zero, which is only valid while
    /// every residual arc has a non-negative cost.
    pub(crate) fn solve(&mut self, s: usize, t: usize) -> i64 {
        let n = self
            .from
            .iter()
            .chain(&self.to)
            .map(|&v| v as usize + 1)
            .max()
            .unwrap_or(0);
        if s >= n || t >= n || s == t {
            return 0;
        }
        // Residual arcs laid out by tail node (arcs of v at
        // start[v]..start[v + 1]) so that scanning a node's arcs reads
        // memory sequentially; `rev` gives the place of the reverse arc.
        let added = self.to.len();
        let mut start = vec![0usize; n + 1];
        for (&f, &h) in self.from.iter().zip(&self.to) {
            start[f as usize + 1] += 1;
            start[h as usize + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let m = start[n];
        let mut fill = start.clone();
        let mut to = vec![0u32; m];
        let mut cap = vec![0i32; m];
        let mut cost = vec![0i32; m];
        let mut rev = vec![0u32; m];
        let mut place = Vec::with_capacity(added);
        let arcs = self
            .from
            .iter()
            .zip(&self.to)
            .zip(self.cap.iter().zip(&self.cost));
        for ((&f, &h), (&c, &k)) in arcs {
            let (f, h) = (f as usize, h as usize);
            let (p, q) = (fill[f], fill[h]);
            fill[f] += 1;
            fill[h] += 1;
            to[p] = ix(h);
            cap[p] = c;
            cost[p] = k;
            rev[p] = ix(q);
            to[q] = ix(f);
            cost[q] = -k;
            rev[q] = ix(p);
            place.push(ix(p));
        }
        // The input lists are no longer needed; free them before the
        // search allocates its own arrays.
        self.from = Vec::new();
        self.to = Vec::new();
        self.cap = Vec::new();
        self.cost = Vec::new();

        let mut pot = vec![0i64; n];
        let mut dist = vec![UNREACHED; n];
        let mut level = vec![-1i32; n];
        let mut next_arc = vec![0usize; n];
        let mut queue = Vec::with_capacity(n);
        let mut path: Vec<usize> = Vec::new();
        let mut heap = BinaryHeap::new();
        let mut total = 0i64;

        loop {
            // Dijkstra on reduced costs, stopped once t is settled: nodes
            // farther than t get t's distance, which keeps every reduced
            // cost non-negative and makes all shortest s-t paths tight.
            dist.fill(UNREACHED);
            dist[s] = 0;
            heap.clear();
            heap.push(Reverse((0i64, s)));
            while let Some(Reverse((d, v))) = heap.pop() {
                if d > dist[v] {
                    continue;
                }
                if v == t {
                    break;
                }
                for p in start[v]..start[v + 1] {
                    if cap[p] > 0 {
                        let u = to[p] as usize;
                        let nd = d + i64::from(cost[p]) + pot[v] - pot[u];
                        if nd < dist[u] {
                            dist[u] = nd;
                            heap.push(Reverse((nd, u)));
                        }
                    }
                }
            }
            let reach = dist[t];
            if reach == UNREACHED {
                break;
            }
            for (p, &d) in pot.iter_mut().zip(&dist) {
                *p += d.min(reach);
            }
            let tight = |p: usize, v: usize, pot: &[i64]| {
                i64::from(cost[p]) + pot[v] == pot[to[p] as usize]
            };

            // Dinic on the tight arcs.
            loop {
                level.fill(-1);
                level[s] = 0;
                queue.clear();
                queue.push(s);
                let mut head = 0;
                while head < queue.len() {
                    let v = queue[head];
                    head += 1;
                    // Nodes at t's depth or deeper cannot be on a
                    // shortest augmenting path.
                    if level[t] >= 0 && level[v] >= level[t] {
                        break;
                    }
                    for p in start[v]..start[v + 1] {
                        let u = to[p] as usize;
                        if level[u] < 0 && cap[p] > 0 && tight(p, v, &pot) {
                            level[u] = level[v] + 1;
                            queue.push(u);
                        }
                    }
                }
                if level[t] < 0 {
                    break;
                }
                next_arc.copy_from_slice(&start[..n]);
                path.clear();
                let mut v = s;
                loop {
                    if v == t {
                        let push = path.iter().map(|&p| cap[p]).min().unwrap_or(0);
                        for &p in &path {
                            cap[p] -= push;
                            cap[rev[p] as usize] += push;
                        }
                        total += i64::from(push);
                        path.clear();
                        v = s;
                        continue;
                    }
                    let mut advanced = false;
                    while next_arc[v] < start[v + 1] {
                        let p = next_arc[v];
                        let u = to[p] as usize;
                        if cap[p] > 0 && level[u] == level[v] + 1 && tight(p, v, &pot) {
                            path.push(p);
                            v = u;
                            advanced = true;
                            break;
                        }
                        next_arc[v] += 1;
                    }
                    if !advanced {
                        // Dead end: no augmenting path goes through v in
                        // this level graph any more.
                        level[v] = -1;
                        match path.pop() {
                            Some(p) => {
                                v = to[rev[p] as usize] as usize;
                                next_arc[v] += 1;
                            }
                            None => break,
                        }
                    }
                }
            }
        }
        self.place = place;
        self.residual = cap;
        self.reverse = rev;
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_more_flow_over_lower_cost() {
        // s -> a -> t costs 0 but carries 1; a second unit needs the costly
        // detour. Max flow is 2, so the detour must be used.
        let mut f = MinCostFlow::new();
        let (s, a, b, t) = (0, 1, 2, 3);
        f.add_edge(s, a, 1, 0);
        f.add_edge(s, b, 1, 100);
        f.add_edge(a, t, 1, 0);
        let bt = f.add_edge(b, t, 1, 0);
        assert_eq!(f.solve(s, t), 2);
        assert_eq!(f.flow(bt), 1);
    }

    #[test]
    fn picks_cheapest_among_maximum_flows() {
        // Two units must reach t; three parallel routes cost 5, 1, 3.
        let mut f = MinCostFlow::new();
        let e5 = f.add_edge(0, 1, 1, 5);
        let e1 = f.add_edge(0, 1, 1, 1);
        let e3 = f.add_edge(0, 1, 1, 3);
        f.add_edge(1, 2, 2, 0);
        assert_eq!(f.solve(0, 2), 2);
        assert_eq!((f.flow(e5), f.flow(e1), f.flow(e3)), (0, 1, 1));
    }

    #[test]
    fn reroutes_through_reverse_arcs() {
        // Classic case where the first shortest path must be undone
        // partially: s->a->d->t is cheapest but blocks the second unit.
        let (s, a, b, c, d, t) = (0, 1, 2, 3, 4, 5);
        let mut f = MinCostFlow::new();
        f.add_edge(s, a, 1, 0);
        f.add_edge(s, b, 1, 0);
        f.add_edge(a, c, 1, 1);
        f.add_edge(a, d, 1, 0);
        f.add_edge(b, d, 1, 0);
        f.add_edge(c, t, 1, 0);
        f.add_edge(d, t, 1, 0);
        assert_eq!(f.solve(s, t), 2);
        let costs = [0, 0, 1, 0, 0, 0, 0];
        let cost: i64 = (0..costs.len()).map(|e| f.flow(e) * costs[e]).sum();
        assert_eq!(cost, 1);
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        let mut f = MinCostFlow::new();
        assert_eq!(f.solve(0, 0), 0);
        assert_eq!(f.solve(0, 5), 0);
        assert_eq!(f.solve(0, 1), 0);
    }
}
