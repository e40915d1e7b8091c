"""The face's other side: the static HTML report of every site's history (``palimpsest report``, ``make demo``)."""

from palimpsest.report.html import write_report

__all__ = ["write_report"]
