"""Evaluation: wiring catalog rows into the models (training, inference, economics,
footprint, screening, performance) and the option table the optimiser reads."""
