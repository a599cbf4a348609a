"""The annotation web app (``nerkit annotate``): recipes, task streams, server, page.

Needs the ``web`` extra (FastAPI, uvicorn) and the ``store`` extra; importing this package
imports neither: ``nerkit.annotate.server`` does. The pure parts (``patterns``,
``agreement``) work without them.

Example:
    >>> from nerkit.annotate.patterns import PatternMatcher
    >>> len(PatternMatcher([{"label": "BRAND", "pattern": "Ann Taylor"}]))
    1
"""
