// Package scorers compares a candidate document graph with its reference
// graph and turns the comparison into numbers in [0, 1]: node coverage
// (NSC), edge accuracy (AMS, edge F1), subgraph coverage (SCS), the
// RadGraph-style rewards and the weighted overall score. Scorers are pure
// functions of their inputs: no I/O, no context, no global state. The exact
// definitions are in docs/metrics.md.
package scorers
