"""Placement optimiser: option table, MILP builder, solver seam, checker, explanations."""
