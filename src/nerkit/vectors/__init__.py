"""Word vectors: import word2vec/GloVe/fastText files, train with gensim, report coverage.

Example:
    >>> import numpy as np
    >>> vecs = Vectors(["cat", "dog"], np.ones((2, 4), dtype=np.float32))
    >>> len(vecs), vecs.dim, "Cat" in vecs
    (2, 4, True)
"""

from .readers import FORMATS, detect_vectors_format, import_vectors
from .store import Vectors

__all__ = ["FORMATS", "Vectors", "detect_vectors_format", "import_vectors"]
