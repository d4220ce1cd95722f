"""Exact solve of large option tables by lazy limits: relax, check, enforce what is violated.

1. Solve with no accelerator or power cap enforced, on the table pruned for that relaxation
   (dominance on cost, and emissions when they matter: :func:`~gigawatt.optimize.table.
   prune_dominated`).
2. Compute every cap's use in that plan. None exceeded: the plan is optimal for the full problem
   too (it solves a relaxation and is feasible). Otherwise add the exceeded caps to the enforced
   set, re-prune (those caps now count in the dominance test) and solve again.

Each round enforces at least one more cap, so it ends after at most ``#caps + 1`` solves; the
relaxed models are much smaller, because an option only has to beat its rivals on the limits
that are actually enforced. Budget, pools and owned counts are always enforced.
"""

from __future__ import annotations

from gigawatt.optimize.build import Model, Weights, build_model
from gigawatt.optimize.explain import limit_usage
from gigawatt.optimize.solve import Solution, solve_model
from gigawatt.optimize.table import PRUNE_ABOVE, OptionTable, prune_dominated


def _limit(table: OptionTable, key: str) -> float:
    """Limit of a cap in the unit :func:`limit_usage` reports (accelerators or MW)."""
    for cap in table.accelerator_caps:
        if cap.key == key:
            return cap.limit
    for cap in table.power_caps:
        if cap.key == key:
            return cap.limit / 1000.0
    raise KeyError(key)


def solve_with_lazy_limits(
    table: OptionTable,
    weights: Weights,
    *,
    carbon: bool,
    above: int = PRUNE_ABOVE,
) -> tuple[OptionTable, Model, Solution, list[list[str]]]:
    """The table actually solved, its model, the solution and the caps added each round."""
    caps = [c.key for c in table.accelerator_caps] + [p.key for p in table.power_caps]
    enforced: set[str] = set()
    rounds: list[list[str]] = []
    while True:
        pruned = prune_dominated(table, above, carbon=carbon, limits=frozenset(enforced))
        relax = frozenset(k for k in caps if k not in enforced)
        model = build_model(pruned, weights, relax=relax)
        sol = solve_model(model, pruned)
        if not sol.ok or not relax:
            return pruned, model, sol, rounds
        violated = [
            k for k in relax if limit_usage(pruned, model, sol, k) > _limit(pruned, k) * (1 + 1e-9)
        ]
        if not violated:
            return pruned, model, sol, rounds
        rounds.append(sorted(violated))
        enforced.update(violated)
