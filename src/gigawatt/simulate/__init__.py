"""Discrete-event twin of an AI factory over time (``gigawatt simulate``).

Public entry points: :func:`gigawatt.spec.simulation.load_simulation` and
:func:`gigawatt.simulate.run.simulate`.
"""
