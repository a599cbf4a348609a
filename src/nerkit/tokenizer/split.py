"""Tokenizing one whitespace-free chunk by the rule tables: the slow path behind the cache.

Each round strips at most one prefix and one suffix (checking the special-case table and the
whole-string matches before and between steps, so "(don't)" still finds "don't"), then the
remaining middle is split on infixes.

Example:
    >>> from nerkit.tokenizer.lang import load_rules
    >>> rules = CompiledRules.from_data(load_rules("en"))
    >>> [(rule, "(don't)."[s:e]) for rule, s, e in split_chunk(rules, "(don't).")]
    [('PREFIX', '('), ('SPECIAL', 'do'), ('SPECIAL', "n't"), ('SUFFIX', ')'), ('SUFFIX', '.')]
"""

from __future__ import annotations

from .rules import CompiledRules

Piece = tuple[str, int, int]  # (rule, start, end) relative to the chunk


def split_chunk(rules: CompiledRules, chunk: str) -> list[Piece]:
    """Split ``chunk`` (no whitespace inside) into tokens, saying which rule made each one."""
    specials = rules.specials
    prefixes: list[Piece] = []
    suffixes: list[Piece] = []
    start, end = 0, len(chunk)
    last = -1
    while start < end and end - start != last:
        s = chunk[start:end]
        if s in specials or rules.match(s):
            break
        last = end - start
        pre = rules.prefix(s)
        if pre and pre < len(s) and s[pre:] in specials:
            prefixes.append(("PREFIX", start, start + pre))
            start += pre
            break
        suf = rules.suffix(s)
        if suf and suf < len(s) and s[:-suf] in specials:
            suffixes.append(("SUFFIX", end - suf, end))
            end -= suf
            break
        if pre and suf and pre + suf <= len(s):
            prefixes.append(("PREFIX", start, start + pre))
            suffixes.append(("SUFFIX", end - suf, end))
            start += pre
            end -= suf
        elif pre:
            prefixes.append(("PREFIX", start, start + pre))
            start += pre
        elif suf:
            suffixes.append(("SUFFIX", end - suf, end))
            end -= suf
        if start < end and chunk[start:end] in specials:
            break
    pieces = prefixes
    if start < end:
        pieces.extend(_middle(rules, chunk[start:end], start))
    pieces.extend(reversed(suffixes))
    return pieces


def _middle(rules: CompiledRules, s: str, offset: int) -> list[Piece]:
    special = rules.specials.get(s)
    if special is not None:
        rule = "EMOTICON" if s in rules.emoticons else "SPECIAL"
        out: list[Piece] = []
        pos = offset
        for piece in special:
            out.append((rule, pos, pos + len(piece)))
            pos += len(piece)
        return out
    found = rules.match(s)
    if found:
        name, m = found
        groups = [
            m.span(i) for i in range(1, (m.re.groups or 0) + 1) if m.span(i)[0] < m.span(i)[1]
        ]
        if (
            groups
            and groups[0][0] == 0
            and groups[-1][1] == len(s)
            and all(a[1] == b[0] for a, b in zip(groups, groups[1:]))
        ):
            return [(name, offset + a, offset + b) for a, b in groups]
        return [(name, offset, offset + len(s))]
    out = []
    pos = 0
    for a, b in rules.infixes(s):
        if a == b:
            continue
        if a > pos:
            out.append(("TOKEN", offset + pos, offset + a))
        out.append(("INFIX", offset + a, offset + b))
        pos = b
    if pos < len(s):
        out.append(("TOKEN", offset + pos, offset + len(s)))
    return out
