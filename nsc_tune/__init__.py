"""nsc_tune: compile C kernels into neural surrogates, tune their inputs or swap them in.

The public API grows with the package: the kernel frontend and ground truth (``Kernel``), and
compiling a kernel into a surrogate with the shipped CompNet weights (``compile``, ``Surrogate``),
and swapping a surrogate in for a wrapped C kernel behind a quality gate (``accelerate``).
"""

from nsc_tune import suite, tune
from nsc_tune.accelerate import accelerate
from nsc_tune.errors import NscTuneError
from nsc_tune.evaluate import validate
from nsc_tune.kernel import Kernel
from nsc_tune.surrogate import GPSurrogate, Surrogate, compile, fit  # noqa: A004

__all__ = ["GPSurrogate", "Kernel", "NscTuneError", "Surrogate", "accelerate", "compile", "fit",
           "suite", "tune", "validate"]
__version__ = "0.1.0"
