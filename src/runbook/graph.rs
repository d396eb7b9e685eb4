//! The step dependency graph: cycles, topological order, longest path, ancestors.
//!
//! Nodes are step indexes; `preds[i]` lists the steps step `i` waits for (its `after`).

use std::time::Duration;

/// Successor lists from predecessor lists.
fn successors(preds: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut succ = vec![Vec::new(); preds.len()];
    for (node, ps) in preds.iter().enumerate() {
        for &p in ps {
            succ[p].push(node);
        }
    }
    succ
}

/// Every dependency cycle, one per strongly connected component, each as the nodes in
/// execution order starting from the component's lowest index: `[a, b, c]` reads
/// `a -> b -> c -> a`. Self-loops are reported as `[a]`.
pub fn find_cycles(preds: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let succ = successors(preds);
    let mut cycles = Vec::new();
    for scc in strongly_connected(&succ) {
        let Some(&start) = scc.iter().min() else {
            continue;
        };
        if scc.len() == 1 && !succ[start].contains(&start) {
            continue;
        }
        let mut in_scc = vec![false; preds.len()];
        for &n in &scc {
            in_scc[n] = true;
        }
        cycles.push(shortest_cycle_through(start, &succ, &in_scc));
    }
    cycles.sort();
    cycles
}

/// Breadth-first search from `start` back to itself, inside one component.
fn shortest_cycle_through(start: usize, succ: &[Vec<usize>], in_scc: &[bool]) -> Vec<usize> {
    let mut parent: Vec<Option<usize>> = vec![None; succ.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    let mut seen = vec![false; succ.len()];
    seen[start] = true;
    while let Some(n) = queue.pop_front() {
        for &m in &succ[n] {
            if m == start {
                let mut path = vec![n];
                let mut cur = n;
                while let Some(p) = parent[cur] {
                    path.push(p);
                    cur = p;
                }
                path.reverse();
                return path;
            }
            if in_scc[m] && !seen[m] {
                seen[m] = true;
                parent[m] = Some(n);
                queue.push_back(m);
            }
        }
    }
    vec![start]
}

/// Tarjan's algorithm, iterative so that a long chain of steps cannot overflow the stack.
// `scc` and `sccs`: one component and the list of them, as the algorithm names them.
#[allow(clippy::similar_names)]
fn strongly_connected(succ: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = succ.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut sccs = Vec::new();
    let mut next = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, next successor position)
        let mut work = vec![(root, 0usize)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = work.last_mut() {
            let v = top.0;
            if let Some(&w) = succ[v].get(top.1) {
                top.1 += 1;
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut scc = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    scc.push(w);
                    if w == v {
                        break;
                    }
                }
                sccs.push(scc);
            }
        }
    }
    sccs
}

/// Kahn's topological order (ties broken by index); `None` when there is a cycle.
pub fn topo_order(preds: &[Vec<usize>]) -> Option<Vec<usize>> {
    let succ = successors(preds);
    let mut indegree: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<usize>> = indegree
        .iter()
        .enumerate()
        .filter(|(_, d)| **d == 0)
        .map(|(i, _)| std::cmp::Reverse(i))
        .collect();
    let mut order = Vec::with_capacity(preds.len());
    while let Some(std::cmp::Reverse(n)) = ready.pop() {
        order.push(n);
        for &m in &succ[n] {
            indegree[m] -= 1;
            if indegree[m] == 0 {
                ready.push(std::cmp::Reverse(m));
            }
        }
    }
    (order.len() == preds.len()).then_some(order)
}

/// The longest path through the graph weighted by `weights` (its length, and its nodes in
/// execution order). Among equal paths the one through lower indexes wins. Empty for a
/// cyclic graph.
pub fn critical_path(preds: &[Vec<usize>], weights: &[Duration]) -> (Duration, Vec<usize>) {
    let Some(order) = topo_order(preds) else {
        return (Duration::ZERO, Vec::new());
    };
    let mut finish = vec![Duration::ZERO; preds.len()];
    let mut via: Vec<Option<usize>> = vec![None; preds.len()];
    for &n in &order {
        let mut best: Option<usize> = None;
        for &p in &preds[n] {
            let better = match best {
                None => true,
                Some(b) => finish[p] > finish[b] || (finish[p] == finish[b] && p < b),
            };
            if better {
                best = Some(p);
            }
        }
        via[n] = best;
        finish[n] = best.map_or(Duration::ZERO, |b| finish[b]) + weights[n];
    }
    let Some(end) = (0..preds.len()).reduce(|a, b| if finish[b] > finish[a] { b } else { a })
    else {
        return (Duration::ZERO, Vec::new());
    };
    let mut path = vec![end];
    let mut cur = end;
    while let Some(p) = via[cur] {
        path.push(p);
        cur = p;
    }
    path.reverse();
    (finish[end], path)
}

/// Every node `node` transitively waits for (not including itself, unless in a cycle).
pub fn ancestors(preds: &[Vec<usize>], node: usize) -> Vec<usize> {
    let mut seen = vec![false; preds.len()];
    let mut stack: Vec<usize> = preds[node].clone();
    let mut out = Vec::new();
    while let Some(n) = stack.pop() {
        if !seen[n] {
            seen[n] = true;
            out.push(n);
            stack.extend(&preds[n]);
        }
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    #[test]
    fn finds_and_orders_a_cycle() {
        // 0 <- 1 <- 2 <- 0 : 0 -> 1 -> 2 -> 0 ; 3 alone after 2.
        let preds = vec![vec![2], vec![0], vec![1], vec![2]];
        assert_eq!(find_cycles(&preds), vec![vec![0, 1, 2]]);
        assert_eq!(topo_order(&preds), None);
    }

    #[test]
    fn finds_self_loops_and_separate_cycles() {
        let preds = vec![vec![0], vec![2], vec![1], vec![]];
        assert_eq!(find_cycles(&preds), vec![vec![0], vec![1, 2]]);
    }

    #[test]
    fn no_cycles_in_a_dag() {
        let preds = vec![vec![], vec![0], vec![0], vec![1, 2]];
        assert!(find_cycles(&preds).is_empty());
        assert_eq!(topo_order(&preds), Some(vec![0, 1, 2, 3]));
    }

    #[test]
    fn critical_path_takes_the_longest_branch() {
        // 0 fans out to 1 (10s) and 2 (30s), both fan in to 3.
        let preds = vec![vec![], vec![0], vec![0], vec![1, 2]];
        let (len, path) = critical_path(&preds, &secs(&[5, 10, 30, 1]));
        assert_eq!(len, Duration::from_secs(36));
        assert_eq!(path, vec![0, 2, 3]);
    }

    #[test]
    fn ancestors_are_transitive() {
        let preds = vec![vec![], vec![0], vec![], vec![1, 2], vec![]];
        assert_eq!(ancestors(&preds, 3), vec![0, 1, 2]);
        assert!(ancestors(&preds, 4).is_empty());
    }

    #[test]
    fn deep_chain_does_not_overflow() {
        let n = 200_000;
        let preds: Vec<Vec<usize>> = (0..n)
            .map(|i| if i == 0 { vec![] } else { vec![i - 1] })
            .collect();
        assert!(find_cycles(&preds).is_empty());
    }
}
