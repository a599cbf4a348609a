"""Batch prediction over files and iterables of records (``batch.py``)."""

from .batch import predict_file, predict_records, read_records

__all__ = ["predict_file", "predict_records", "read_records"]
