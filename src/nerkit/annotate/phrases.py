"""What annotators said about a phrase, so that teach's ranking follows the answers at once.

A model learns from each teach answer, but one answer may hardly move its score of the same
phrase in the next text (a perceptron's few updated weights against many trained ones), and
the same doubtful phrase would be asked again and again. teach therefore also counts the
answers per *phrase*: the span's text, lowercased with its whitespace collapsed, and its
label. A candidate's teach score is the model's score moved towards what people answered,

    score = (PRIOR * model_score + accepts) / (PRIOR + accepts + rejects),

the model's score counting as ``PRIOR`` (1) answer: one reject of a phrase the model gives
0.90 makes it 0.45, two 0.30; one accept of a 0.30 phrase makes it 0.65. A phrase people have
answered, always the same way, is *settled*: teach asks about it only after every unsettled
candidate.

Example:
    >>> memory = PhraseMemory()
    >>> text = "Paid with Venmo, Zelle or PayPal"
    >>> memory.add(text, 10, 22, "PRODUCT", "reject")
    >>> memory.tally("I take venmo,  zelle", 7, 20, "PRODUCT")
    (0, 1)
    >>> round(adjusted(0.9, 0, 1), 2), settled(0, 1), settled(1, 1)
    (0.45, True, False)
"""

from __future__ import annotations

PRIOR = 1.0


def phrase(text: str, start: int, end: int) -> str:
    """The text of a span as teach compares phrases: lowercased, whitespace collapsed."""
    return " ".join(text[start:end].lower().split())


def adjusted(model_score: float, accepts: int, rejects: int) -> float:
    """The model's score moved towards the answers about its phrase (module doc)."""
    return (PRIOR * model_score + accepts) / (PRIOR + accepts + rejects)


def settled(accepts: int, rejects: int) -> bool:
    """Answered at least once, and always the same way."""
    return accepts + rejects > 0 and (accepts == 0 or rejects == 0)


class PhraseMemory:
    """Accept and reject counts per (phrase, label)."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str], list[int]] = {}

    def add(self, text: str, start: int, end: int, label: str, answer: str) -> None:
        """Count an ``accept`` or ``reject`` of the span ``text[start:end]`` as ``label``."""
        if answer not in ("accept", "reject"):
            return
        counts = self._counts.setdefault((phrase(text, start, end), label), [0, 0])
        counts[0 if answer == "accept" else 1] += 1

    def tally(self, text: str, start: int, end: int, label: str) -> tuple[int, int]:
        """``(accepts, rejects)`` of the span's phrase with ``label``."""
        counts = self._counts.get((phrase(text, start, end), label))
        return (counts[0], counts[1]) if counts else (0, 0)

    def __len__(self) -> int:
        return len(self._counts)
