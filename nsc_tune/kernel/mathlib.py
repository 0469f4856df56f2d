"""The math.h functions the translator knows: C name -> Numba implementation and C types."""

from __future__ import annotations

from dataclasses import dataclass

from nsc_tune.kernel import ctype as ct


@dataclass(frozen=True)
class MathFunction:
    """One math.h function.

    Arguments:
        impl: the Numba-callable expression (``np.sin``) applied to the converted arguments.
        params: C types the arguments are converted to.
        result: C return type.
        predicate: True when the result is a truth value (isnan, ...).
    """

    impl: str
    params: tuple[ct.CType, ...]
    result: ct.CType
    predicate: bool = False


_UNARY = {
    "sin": "np.sin", "cos": "np.cos", "tan": "np.tan", "asin": "np.arcsin", "acos": "np.arccos",
    "atan": "np.arctan", "sinh": "np.sinh", "cosh": "np.cosh", "tanh": "np.tanh",
    "asinh": "np.arcsinh", "acosh": "np.arccosh", "atanh": "np.arctanh", "exp": "np.exp",
    "exp2": "np.exp2", "expm1": "np.expm1", "log": "np.log", "log2": "np.log2",
    "log10": "np.log10", "log1p": "np.log1p", "sqrt": "np.sqrt", "cbrt": "np.cbrt",
    "fabs": "np.fabs", "floor": "np.floor", "ceil": "np.ceil", "trunc": "np.trunc",
    "rint": "np.rint", "nearbyint": "np.rint", "erf": "math.erf", "erfc": "math.erfc",
    "tgamma": "math.gamma", "lgamma": "math.lgamma", "round": "runtime._c_round",
}
_BINARY = {
    "atan2": "np.arctan2", "pow": "np.power", "hypot": "np.hypot", "fmod": "np.fmod",
    "copysign": "np.copysign", "fmin": "np.fmin", "fmax": "np.fmax", "fdim": "runtime._c_fdim",
}
_PREDICATES = {"isnan": "np.isnan", "isinf": "np.isinf", "isfinite": "np.isfinite",
               "signbit": "np.signbit"}

MATH_FUNCTIONS: dict[str, MathFunction] = {}
for _name, _impl in _UNARY.items():
    MATH_FUNCTIONS[_name] = MathFunction(_impl, (ct.DOUBLE,), ct.DOUBLE)
    MATH_FUNCTIONS[_name + "f"] = MathFunction(_impl, (ct.FLOAT,), ct.FLOAT)
MATH_FUNCTIONS["exp2f"] = MathFunction("runtime._exp2f", (ct.FLOAT,), ct.FLOAT)
MATH_FUNCTIONS["log2f"] = MathFunction("runtime._log2f", (ct.FLOAT,), ct.FLOAT)
for _name, _impl in _BINARY.items():
    MATH_FUNCTIONS[_name] = MathFunction(_impl, (ct.DOUBLE, ct.DOUBLE), ct.DOUBLE)
    MATH_FUNCTIONS[_name + "f"] = MathFunction(_impl, (ct.FLOAT, ct.FLOAT), ct.FLOAT)
MATH_FUNCTIONS["abs"] = MathFunction("runtime._c_iabs", (ct.INT,), ct.INT)
MATH_FUNCTIONS["labs"] = MathFunction("runtime._c_iabs", (ct.LONG,), ct.LONG)
MATH_FUNCTIONS["llabs"] = MathFunction("runtime._c_iabs", (ct.LONG,), ct.LONG)
MATH_FUNCTIONS["lround"] = MathFunction("runtime._c_lround", (ct.DOUBLE,), ct.LONG)
MATH_FUNCTIONS["lroundf"] = MathFunction("runtime._c_lround", (ct.FLOAT,), ct.LONG)
# Builtins behind the stand-in headers' INFINITY / NAN / HUGE_VAL macros.
MATH_FUNCTIONS["__nsc_inff"] = MathFunction("runtime._c_inf32", (), ct.FLOAT)
MATH_FUNCTIONS["__nsc_inf"] = MathFunction("runtime._c_inf64", (), ct.DOUBLE)
MATH_FUNCTIONS["__nsc_nanf"] = MathFunction("runtime._c_nan32", (), ct.FLOAT)
# The classification macros take any floating type: converted to double (exact).
for _name, _impl in _PREDICATES.items():
    MATH_FUNCTIONS[_name] = MathFunction(_impl, (ct.DOUBLE,), ct.INT, predicate=True)
