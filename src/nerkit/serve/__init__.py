"""The REST server of a trained model (``nerkit serve``; ``app.py``, ``batcher.py``).

Needs the ``web`` extra (FastAPI, uvicorn); importing this package imports neither:
``nerkit.serve.app`` does.
"""
