"""fastText subword n-grams: which hashed buckets make up a word, so OOV words get a vector.

This follows fastText (and gensim 4, whose vectors we store): the word is wrapped in ``<``
``>``, every character n-gram of ``min_n..max_n`` characters (on UTF-8 character boundaries)
is hashed with fastText's FNV-1a variant (bytes read as *signed* chars) and taken modulo
``bucket``. An unknown word's vector is the mean of its n-gram vectors
(:meth:`nerkit.vectors.Vectors.subword_vectors`).

Example:
    >>> [g.decode() for g in char_ngrams("ab", 3, 3)]
    ['<ab', 'ab>']
    >>> ngram_buckets("ab", 3, 3, 1000).tolist() == [fasttext_hash(b"<ab") % 1000, fasttext_hash(b"ab>") % 1000]
    True
"""

from __future__ import annotations

import numpy as np

_FNV_OFFSET = 2166136261
_FNV_PRIME = 16777619


def fasttext_hash(data: bytes) -> int:
    """fastText's 32-bit FNV-1a over ``data`` with each byte sign-extended, as in its C++ code."""
    h = _FNV_OFFSET
    for b in data:
        h ^= (b - 256 if b > 127 else b) & 0xFFFFFFFF
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


def char_ngrams(word: str, min_n: int, max_n: int) -> list[bytes]:
    """The UTF-8 n-grams of ``<word>`` of ``min_n..max_n`` characters, in fastText's order."""
    data = f"<{word}>".encode("utf8", "surrogatepass")
    size = len(data)
    out: list[bytes] = []
    for i in range(size):
        if data[i] & 0xC0 == 0x80:  # a continuation byte: not a character start
            continue
        j, n = i, 1
        while j < size and n <= max_n:
            j += 1
            while j < size and data[j] & 0xC0 == 0x80:
                j += 1
            # fastText skips the lone "<" and ">" unigrams.
            if n >= min_n and not (n == 1 and (i == 0 or j == size)):
                out.append(data[i:j])
            n += 1
    return out


def ngram_buckets(word: str, min_n: int, max_n: int, bucket: int) -> np.ndarray:
    """The bucket (row of the n-gram table) of each n-gram of ``word`` (int64)."""
    grams = char_ngrams(word, min_n, max_n)
    return np.fromiter((fasttext_hash(g) % bucket for g in grams), dtype=np.int64, count=len(grams))
