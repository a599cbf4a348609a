"""Build the hardwareswap sample dataset (JSONL with character offsets) from posts.md.

Stdlib only, so it runs without nerkit installed. Usage::

    python examples/hardwareswap/build.py            # rewrite train/test/unseen beside this file
    python examples/hardwareswap/build.py --out DIR  # write them somewhere else

posts.md holds every post with inline markup ``{{marked text|LABEL}}``. Each post starts with a
header line ``### hws-001`` (or ``### unseen-1`` for the posts kept out of both splits); the
lines up to the next header are the post. Everything before the first header is a comment.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "posts.md"
LABELS = ("PRODUCT", "PRICE", "LOCATION", "CONDITION", "URL", "USERNAME")
SEED = "nerkit-hardwareswap-v1"
N_TEST = 24
N_DEV = 12

_HEADER = re.compile(r"^### (hws-\d{3}|unseen-\d+)\s*$")
_MARK = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
# A span may not start or end with whitespace or with one of these characters. The only
# exceptions: a PRICE may start with a currency sign, and a USERNAME written "/u/name" keeps
# its leading slash (tokenizers split "/u/name" as "/u" "/" "name", so "u/name" would not
# start on a token boundary).
_EDGE_PUNCT = set(".,;:!?\"'()[]{}<>*~_-/|\\`#@&+=%$€£^")
_LEADING_OK = {"PRICE": set("$€£"), "USERNAME": {"/"}}


class BuildError(ValueError):
    """A problem in posts.md; the message names the source line and what to fix."""


@dataclass
class Post:
    """One post: its id, plain text, spans (start, end, label) and the header's line number."""

    id: str
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)
    line: int = 0

    def record(self) -> dict[str, object]:
        spans = [{"start": s, "end": e, "label": lab} for s, e, lab in self.spans]
        return {"text": self.text, "spans": spans, "meta": {"id": self.id}}


def parse_post(post_id: str, marked: str, line: int) -> Post:
    """Turn one marked-up post into plain text plus character spans."""
    text_parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    pos = 0
    offset = 0
    for m in _MARK.finditer(marked):
        before = marked[pos : m.start()]
        text_parts.append(before)
        offset += len(before)
        body = m.group(1)
        where = f"posts.md line {line + marked.count(chr(10), 0, m.start()) + 1} ({post_id})"
        if "|" not in body:
            raise BuildError(
                f"{where}: markup {m.group(0)!r} has no '|LABEL'; write {{{{text|LABEL}}}}"
            )
        surface, label = body.rsplit("|", 1)
        if label not in LABELS:
            raise BuildError(
                f"{where}: unknown label {label!r} in {m.group(0)!r}; use one of {LABELS}"
            )
        spans.append((offset, offset + len(surface), label))
        text_parts.append(surface)
        offset += len(surface)
        pos = m.end()
    text_parts.append(marked[pos:])
    text = "".join(text_parts)
    if "{{" in text or "}}" in text:
        raise BuildError(
            f"posts.md line {line} ({post_id}): unbalanced '{{{{' or '}}}}' left in the text"
        )
    return Post(post_id, text, spans, line)


def parse_source(path: Path = SOURCE) -> list[Post]:
    """Read posts.md into Posts, in file order."""
    posts: list[Post] = []
    current: tuple[str, int] | None = None
    lines: list[str] = []

    def flush() -> None:
        if current is None:
            return
        body = "\n".join(line.rstrip() for line in lines).strip("\n")
        if not body.strip():
            raise BuildError(f"posts.md line {current[1]} ({current[0]}): empty post")
        first = current[1] + 1 + next(i for i, x in enumerate(lines) if x.strip())
        posts.append(parse_post(current[0], body, first))

    for number, raw in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        m = _HEADER.match(raw)
        if m:
            flush()
            current, lines = (m.group(1), number), []
        elif current is not None:
            lines.append(raw)
    flush()
    return posts


def check_posts(posts: list[Post]) -> list[str]:
    """Every way the posts break the annotation guidelines, one message each (empty: all good)."""
    problems: list[str] = []
    seen_ids: set[str] = set()
    seen_texts: dict[str, str] = {}
    for post in posts:
        where = f"posts.md line {post.line} ({post.id})"
        if post.id in seen_ids:
            problems.append(f"{where}: duplicate id {post.id}; give the post a new id")
        seen_ids.add(post.id)
        if post.text in seen_texts:
            problems.append(f"{where}: same text as {seen_texts[post.text]}; drop one of them")
        seen_texts[post.text] = post.id
        last_end = 0
        for start, end, label in sorted(post.spans):
            problems.extend(
                f"{where}, span {post.text[start:end]!r} at {start}-{end}: {why}"
                for why in _span_problems(post.text, start, end, label, last_end)
            )
            last_end = max(last_end, end)
    problems.extend(_consistency_problems(posts))
    return problems


def _span_problems(text: str, start: int, end: int, label: str, last_end: int) -> list[str]:
    surface = text[start:end]
    if not surface:
        return ["empty span; remove the markup"]
    problems = []
    if start < last_end:
        problems.append("overlaps the span before it; spans may not overlap")
    if surface != surface.strip():
        problems.append("leading or trailing whitespace; move it outside the braces")
    if surface[0] in _EDGE_PUNCT and surface[0] not in _LEADING_OK.get(label, set()):
        problems.append("starts with punctuation; move it outside the braces")
    if surface[-1] in _EDGE_PUNCT:
        problems.append("ends with punctuation; move it outside the braces")
    # Spans must sit on token boundaries: no letter or digit glued on either side.
    if start > 0 and text[start - 1].isalnum() and surface[0].isalnum():
        problems.append("starts inside a word; mark the whole word")
    if end < len(text) and text[end].isalnum() and surface[-1].isalnum():
        problems.append("ends inside a word; mark the whole word")
    return problems


def _consistency_problems(posts: list[Post]) -> list[str]:
    """The same phrase gets the same label everywhere, and is never left unmarked elsewhere."""
    problems: list[str] = []
    labels_of: dict[str, set[str]] = {}
    for post in posts:
        for start, end, label in post.spans:
            labels_of.setdefault(post.text[start:end], set()).add(label)
    for phrase, labels in labels_of.items():
        if len(labels) > 1:
            problems.append(f"{phrase!r} is marked with more than one label: {sorted(labels)}")
    # Whole-word, case-sensitive search for each marked phrase of 3+ characters outside spans.
    patterns = {
        p: re.compile(r"(?<![\w/])" + re.escape(p) + r"(?!\w)") for p in labels_of if len(p) >= 3
    }
    for post in posts:
        covered = [False] * len(post.text)
        for start, end, _ in post.spans:
            covered[start:end] = [True] * (end - start)
        for phrase, pattern in patterns.items():
            for m in pattern.finditer(post.text):
                if not any(covered[m.start() : m.end()]):
                    problems.append(
                        f"posts.md line {post.line} ({post.id}): {phrase!r} at {m.start()} is not "
                        f"marked here but is marked {sorted(labels_of[phrase])[0]} elsewhere; mark it"
                    )
    return problems


def split(posts: list[Post]) -> tuple[list[Post], list[Post], list[Post], list[Post]]:
    """(train, dev, test, unseen): a seeded, hash-based shuffle picks N_TEST test and N_DEV dev posts."""
    unseen = [p for p in posts if p.id.startswith("unseen-")]
    pool = [p for p in posts if p.id.startswith("hws-")]
    # Sorting by a hash of (seed, id) is a shuffle that no Python version can change.
    order = sorted(pool, key=lambda p: hashlib.sha256(f"{SEED}:{p.id}".encode()).hexdigest())
    test_ids = {p.id for p in order[:N_TEST]}
    dev_ids = {p.id for p in order[N_TEST : N_TEST + N_DEV]}
    train = [p for p in pool if p.id not in test_ids | dev_ids]
    dev = [p for p in pool if p.id in dev_ids]
    test = [p for p in pool if p.id in test_ids]
    return train, dev, test, unseen


def _jsonl(posts: list[Post]) -> str:
    return "".join(json.dumps(p.record(), ensure_ascii=False) + "\n" for p in posts)


def one_line(text: str) -> str:
    """A post on one line: each run of whitespace holding a newline becomes one space."""
    return re.sub(r"\s*\n\s*", " ", text)


def build(out_dir: Path = HERE, source: Path = SOURCE) -> dict[str, Path]:
    """Parse and check posts.md, then write train/dev/test.jsonl and unseen.txt to out_dir.

    Example: ``build(Path("/tmp/hws"))`` returns ``{"train": Path("/tmp/hws/train.jsonl"), ...}``.
    """
    posts = parse_source(source)
    problems = check_posts(posts)
    if problems:
        raise BuildError(f"{len(problems)} problem(s) in {source}:\n" + "\n".join(problems))
    train, dev, test, unseen = split(posts)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    contents = {
        "train.jsonl": _jsonl(train),
        "dev.jsonl": _jsonl(dev),
        "test.jsonl": _jsonl(test),
        "unseen.txt": "".join(one_line(p.text) + "\n" for p in unseen),
    }
    paths: dict[str, Path] = {}
    for name, content in contents.items():
        path = out_dir / name
        paths[path.stem] = path
        # newline="\n" so the files are byte-identical on every platform.
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            f.write(content)
    return paths


def summary(posts: list[Post]) -> str:
    """Counts of posts and spans per label, one line."""
    counts = {label: 0 for label in LABELS}
    for post in posts:
        for _, _, label in post.spans:
            counts[label] += 1
    per_label = ", ".join(f"{k} {v}" for k, v in counts.items())
    return f"{len(posts)} posts, {sum(counts.values())} spans ({per_label})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="output folder (default: beside this file)"
    )
    parser.add_argument(
        "--source", type=Path, default=SOURCE, help="marked-up posts (default: posts.md)"
    )
    args = parser.parse_args(argv)
    try:
        paths = build(args.out, args.source)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    train, dev, test, unseen = split(parse_source(args.source))
    for name, part in (("train", train), ("dev", dev), ("test", test), ("unseen", unseen)):
        print(f"{name:6} {summary(part)}")
    print("wrote " + ", ".join(str(p) for p in paths.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
