"""Program families for the synthetic corpus: name -> (weight, double share, templates).

Each family module holds template functions ``template(p: Prog) -> None`` (see ``_base``).
To add a family: write its templates in a module here and register them in ``REGISTRY``.
"""

from __future__ import annotations

from nsc_tune.corpus.families import (
    approx,
    colour,
    control,
    finance,
    geometry,
    integer,
    physics,
    signal,
    simulation,
    solvers,
)
from nsc_tune.corpus.families._base import Prog, Template

#: name -> (sampling weight, probability that the program computes in double, templates)
REGISTRY: dict[str, tuple[float, float, list[Template]]] = {
    "kinematics": (8.0, 0.6, physics.KINEMATICS),
    "thermo_optics": (6.0, 0.6, physics.THERMO_OPTICS),
    "geometry": (8.0, 0.4, geometry.GEOMETRY),
    "finance_rates": (7.0, 0.8, finance.FINANCE),
    "colour": (7.0, 0.3, colour.COLOUR),
    "image_filter": (7.0, 0.3, colour.IMAGE_FILTER),
    "poly_approx": (6.0, 0.5, approx.POLY_APPROX),
    "lookup_interp": (5.0, 0.4, approx.LOOKUP_INTERP),
    "solvers": (6.0, 0.6, solvers.SOLVERS),
    "simulation": (7.0, 0.6, simulation.SIMULATION),
    "signal": (7.0, 0.4, signal.SIGNAL),
    "statistics": (7.0, 0.5, signal.STATISTICS),
    "bits": (5.0, 0.5, integer.BITS),
    "control": (5.0, 0.4, control.CONTROL),
    "everyday": (4.0, 0.6, control.EVERYDAY),
}

__all__ = ["REGISTRY", "Prog", "Template"]
