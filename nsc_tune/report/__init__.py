"""Reports: Markdown with PNG plots (the demo's report)."""

from nsc_tune.report.demo import write as write_demo_report

__all__ = ["write_demo_report"]
