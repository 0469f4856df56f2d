"""Report formatting: a verdict that says when a batch missed its quality target."""

from __future__ import annotations

from nsc_tune.report.fmt import bound_verdict


def test_a_batch_over_the_allowed_share_is_called_a_miss() -> None:
    # 1.01% over with 1% allowed is a miss (the demo once printed it without saying so)
    assert bound_verdict(0.0101, 0.99).startswith("MISSED: 1.01% over the bound, more than the "
                                                  "1.00% allowed")
    assert bound_verdict(0.0100, 0.99) == "met: 1.00% over the bound, 1.00% allowed"
    assert bound_verdict(0.0, 0.9).startswith("met: 0.00%")
