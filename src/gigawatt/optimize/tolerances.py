"""Tolerances of the optimiser, one named constant per meaning.

The independent checker (:mod:`gigawatt.optimize.check`) keeps its own: it shares no code with
the builder. Whole-unit rounding of the option table is
:data:`gigawatt.evaluate.table.WHOLE_UNIT_TOL`.
"""

FEASIBILITY_TOL = 1e-6
"""Tolerance within which a solved value meets a row or bound, relative to ``max(1, |bound|)``:
a repaired plan's rows must hold within it, a limit with less slack binds, and two plans whose
emissions differ by less are one point of the Pareto front; absolute on a pool's size, the
busiest period's draw less it rounded up [accelerators]."""

LIMIT_TOL = 1e-9
"""Round-off allowed on a limit's use: a use above ``limit * (1 + LIMIT_TOL)`` (or, for the
repair's absolute comparisons, ``limit + LIMIT_TOL``) breaks it."""

ROUNDOFF = 1e-12
"""Floating-point round-off of a ratio: subtracted before rounding a ratio of unit counts up,
allowed on ratio comparisons, the least a repair move must gain, the least units a division by
units needed takes."""

REFERENCE_FLOOR = 1e-9
"""Smallest cost [USD] or emissions [kgCO2e] used as a normalising reference (no division by
zero)."""

SAME_POINT_RTOL = 1e-9
"""Relative tolerance under which two Pareto points (cost and emissions) are the same plan."""
