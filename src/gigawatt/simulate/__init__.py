"""Discrete-event twin of an AI factory over time (``gigawatt simulate``).

Public entry points: :func:`gigawatt.simulate.scenario.load_scenario` and
:func:`gigawatt.simulate.run.simulate`.
"""
