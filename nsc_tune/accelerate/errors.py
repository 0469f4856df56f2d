"""Errors and warnings of swap-in acceleration."""

from __future__ import annotations

import os
import sys
import warnings

from nsc_tune.errors import NscTuneError


class AccelerateError(NscTuneError):
    """``accelerate`` was given settings or a wrapped function it cannot use."""


class AccelerationWarning(UserWarning):
    """Acceleration is (partly) refused or switched off: too slow, too inaccurate, or drifting."""


def warn(message: str) -> None:
    """Issue an AccelerationWarning attributed to the first caller outside this subpackage."""
    here = os.path.dirname(os.path.abspath(__file__))
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(here):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, AccelerationWarning, stacklevel=level)
