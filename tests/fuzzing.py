"""Shared by the fuzz tests: byte mutations drawn by hypothesis."""

from __future__ import annotations

from hypothesis import strategies as st

INSERTS = [b"{", b"}", b"[", b"]", b",", b'"', b"\n", b"-1", b"null", b"1e999", b"\x00", b"\xff"]


def mutate(raw: bytes, data: st.DataObject, most: int = 8) -> bytes:
    """``raw`` with 1 to ``most`` edits: a byte flipped, deleted or inserted, or a truncation."""
    out = bytearray(raw)
    for _ in range(data.draw(st.integers(1, most))):
        if not out:
            break
        i = data.draw(st.integers(0, len(out) - 1))
        op = data.draw(st.sampled_from(["flip", "delete", "insert", "truncate"]))
        if op == "flip":
            out[i] = data.draw(st.integers(0, 255))
        elif op == "delete":
            del out[i]
        elif op == "insert":
            out[i:i] = data.draw(st.sampled_from(INSERTS))
        else:
            del out[i:]
    return bytes(out)
