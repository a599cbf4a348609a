"""Batch prediction from files, the store or SQL into files, the store or SQL (``run.py``),
with short forms for files and iterables of records (``batch.py``)."""

from .batch import predict_file, predict_records, read_records
from .run import PredictCounts, add_to_store, model_identity, predict_into, predict_stream
from .sources import count_source, read_source, sql_records

__all__ = [
    "PredictCounts",
    "add_to_store",
    "count_source",
    "model_identity",
    "predict_file",
    "predict_into",
    "predict_records",
    "predict_stream",
    "read_records",
    "read_source",
    "sql_records",
]
