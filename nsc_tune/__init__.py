"""nsc_tune: compile C kernels into neural surrogates, tune their inputs or swap them in.

The public API grows with the package; today it is the kernel frontend and ground truth.
"""

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel

__all__ = ["Kernel", "NscTuneError"]
__version__ = "0.1.0"
