"""The evaluation report: one self-contained HTML page of what ``nerkit evaluate`` measured.

The numbers are :mod:`nerkit.scoring.analysis`'; this package only draws them (HTML tables,
inline SVG charts, the display module's entity view), above ``display`` in the layers.
"""

from .page import render_report

__all__ = ["render_report"]
