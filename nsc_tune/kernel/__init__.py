"""C text -> Kernel: parsing, signature and domains, Numba ground truth, gcc cross-check."""

from nsc_tune.kernel import errors
from nsc_tune.kernel.errors import KernelError
from nsc_tune.kernel.kernel import DEFAULT_MAX_ITERATIONS, Kernel
from nsc_tune.kernel.signature import Arg, DomainWarning, Signature

__all__ = ["Arg", "DEFAULT_MAX_ITERATIONS", "DomainWarning", "Kernel", "KernelError", "Signature",
           "errors"]
