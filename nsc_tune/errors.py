"""The root of every error nsc_tune raises on purpose."""


class NscTuneError(Exception):
    """Base class of all nsc_tune errors: catch this to handle any of them."""
