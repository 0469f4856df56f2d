"""Adapters to other optimisation libraries (scipy.optimize today; Optuna planned)."""
