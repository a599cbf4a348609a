"""English tokenizer rules, written as data and generated into ``en.json``.

The tables here aim at spaCy's English tokenization (the convention of the Prodigy and spaCy
corpora people bring), written for nerkit. Run ``python -m nerkit.tokenizer.lang.en`` to
regenerate ``en.json`` after editing; the tokenizer itself only ever reads the JSON.

Example:
    >>> rules = build_rules()
    >>> rules["special_cases"]["don't"]
    ['do', "n't"]
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

from .chars import build_char_classes

# --- single characters and short strings that split off words -------------------------------

PUNCT = "… …… , : ; ! ? ¿ ؟ ¡ ( ) [ ] { } < > _ # * & 。 ？ ！ ， 、 ； ： ～ · । ، ۔ ؛ ٪".split()
QUOTES = (
    "'' ’’ ‘‘ `` ' \" ” “ ` ‘ ´ ’ ‚ , „ » « 「 」 『 』 （ ） 〔 〕 【 】 《 》 〈 〉 ⟦ ⟧".split()
)
HYPHENS = "- – — -- --- —— ~".split()
CURRENCY = "$ £ € ¥ ฿ US$ C$ A$ ₽ ₴ ₦ ₩ ₪ ₫ ₭ ₱ ₲ ₵ ₸ ₹ ₺ ₼ ₾ ₿".split()
UNITS = (
    "km km² km³ m m² m³ dm dm² dm³ cm cm² cm³ mm mm² mm³ ha µm nm yd in ft kg g mg µg t lb oz "
    "m/s km/h kmh mph hPa Pa mbar mb MB kb KB gb GB tb TB T G M K % "
    "км км² км³ м м² м³ дм см мм нм кг г мг м/с км/ч кПа Па мбар"
).split()


def _alt(items: list[str]) -> str:
    """A regex alternation matching any of ``items`` literally, longest first."""
    return "|".join(_esc(s) for s in sorted(set(items), key=lambda s: (-len(s), s)))


def _esc(s: str) -> str:
    return "".join("\\" + c if c in r"\.^$*+?{}[]|()-/" else c for c in s)


ELLIPSES = [r"\.\.+", "…"]
_QUOTE_CHARS = "".join(_esc(c) for c in QUOTES if len(c) == 1)
ICON = "[{ICONS}]"

PREFIXES = (
    ["§", "%", "=", "—", "–", r"\+(?![0-9])"]
    + [_esc(c) for c in PUNCT + QUOTES]
    + ELLIPSES
    + [_esc(c) for c in CURRENCY]
    + [ICON]
)

SUFFIXES = (
    [_esc(c) for c in PUNCT]
    + ELLIPSES
    + [_esc(c) for c in QUOTES]
    + [ICON]
    + ["'s", "'S", "’s", "’S", "—", "–"]
    + [
        r"(?<=[0-9])\+",
        r"(?<=°[FfCcKk])\.",
        rf"(?<=[0-9])(?:{_alt(CURRENCY)})",
        rf"(?<=[0-9])(?:{_alt(UNITS)})",
        # A full stop after a digit, a lower-case letter or punctuation ends a sentence;
        # after one capital it is an initial ("J.") and stays on the word.
        r"(?<=[0-9{LOWER}%²\-+|\"”’'" + "".join(_esc(c) for c in PUNCT if len(c) == 1) + r"])\.",
        r"(?<=[{UPPER}][{UPPER}])\.",
    ]
)

INFIXES = ELLIPSES + [
    ICON,
    r"(?<=[0-9])[+\-*^](?=[0-9-])",
    rf"(?<=[{{LOWER}}{_QUOTE_CHARS}])\.(?=[{{UPPER}}{_QUOTE_CHARS}])",
    r"(?<=[{ALPHA}]),(?=[{ALPHA}])",
    # A hyphen before a letter splits ("well-known", "$50-ish" -> "$", "50", "-", "ish"), so an
    # entity such as a price can end at the hyphen; "COVID-19" stays whole.
    rf"(?<=[{{ALPHA}}0-9])(?:{_alt(HYPHENS)})(?=[{{ALPHA}}])",
    # ":<>=/" between letters only: "and/or" splits, "200/g" and "0.50/mg" stay whole.
    r"(?<=[{ALPHA}\"])[:<>=/](?=[{ALPHA}])",
]

# Whole-chunk matches, tried in order before and between affix steps.
URL = (
    r"(?:(?:[A-Za-z][A-Za-z0-9+.-]*://)?"  # scheme
    r"(?:[\w.+-]+(?::[^\s@/]*)?@)?"  # user[:password]@
    # host: IPv4 or dotted labels ending in a lower-case top-level domain, so "end.Then" is no URL
    r"(?:(?:\d{1,3}\.){3}\d{1,3}|(?:[A-Za-z0-9\u00A1-\uFFFF](?:[\w\u00A1-\uFFFF-]*[A-Za-z0-9\u00A1-\uFFFF])?\.)+[a-z]{2,63})"
    r"(?::\d{2,5})?"  # port
    r"(?:[/?#]\S*[\w/=&%+~-]|/)?)"  # path, not ending in punctuation a suffix rule takes
)
MATCHES = {
    "EMAIL_MATCH": r"[\w.+-]+@[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*\.[a-zA-Z]{2,63}",
    "URL_MATCH": r"(?=\w)" + URL,
    # "$650", "€1,200.50": the currency sign and the amount, as two tokens.
    "PRICE_MATCH": rf"({_alt(CURRENCY)})([0-9]+(?:[.,][0-9]+)*)",
}

EMOTICONS = """
:) :-) :)) :-)) :))) :-))) :( :-( :(( :-(( :((( :-((( ;) ;-) ;D ;-D :D :-D 8) 8-) 8D 8-D
:P :-P :p :-p :O :-O :o :-o :0 :-0 :X :-X :x :-x :/ :-/ :| :-| :] :-] :} :-} :* :-* :3 :-3
:> :-> :'( :'-( :') :'-) :’( :’-( :’) :’-) :o) =) =( =/ =| =D =3 (: (-: (; (-; (= ): )-:
<3 <33 <333 </3 ^_^ ^__^ ^___^ -_- -__- o_O O_o o_o O_O o.O O.o o.o O.O 0_o o_0 0_0 0.0 o.0
>_< >.< >.> <.< XD xD XDD xDD ;_; @_@ >:( >:o ಠ_ಠ ಠ︵ಠ (ಠ_ಠ) (^_^) (>_<) (-_-) (*_*) (._.) ._.
¯\\(ツ)/¯ ¯\\_(ツ)_/¯ (╯°□°）╯︵┻━┻
""".split()

# --- special cases: whole strings and the tokens they become ---------------------------------

APOSTROPHES = ("'", "’")

# Words that take each clitic. The apostrophe-less spellings ("dont", "im") are split too,
# except where the result is an ordinary English word ("ill", "its", "well", "were", ...).
_PRONOUNS = ["i", "you", "he", "she", "it", "we", "they"]
_WH = ["who", "what", "when", "where", "why", "how", "there"]
_CLITICS: dict[str, list[str]] = {
    "m": ["i"],
    "ll": _PRONOUNS + _WH + ["that", "this", "these", "those"],
    "d": _PRONOUNS + _WH + ["that", "this", "these", "those"],
    "ll've": _PRONOUNS + _WH + ["that", "this", "these", "those"],
    "d've": _PRONOUNS + _WH + ["that", "this", "these", "those"],
    "ve": ["i", "you", "we", "they"] + _WH + ["these", "those"],
    "re": ["you", "we", "they"] + _WH + ["these", "those"],
    "s": ["he", "she", "it"] + _WH + ["that", "this"],
}
# verb stem as written before n't -> stem token ("can't" -> "ca" + "n't")
_NEGATED = {
    "ai": "ai", "are": "are", "ca": "ca", "could": "could", "dare": "dare", "did": "did",
    "does": "does", "do": "do", "had": "had", "has": "has", "have": "have", "is": "is",
    "may": "may", "might": "might", "must": "must", "need": "need", "ought": "ought",
    "sha": "sha", "should": "should", "was": "was", "were": "were", "wo": "wo", "would": "would",
}  # fmt: skip
_NEGATED_HAVE = {
    "ca", "could", "did", "does", "do", "had", "may", "might", "must", "need", "ought", "sha",
    "should", "wo", "would",
}  # fmt: skip
_MODAL_HAVE = ["could", "might", "must", "should", "would", "not"]
_NO_APOSTROPHE_EXCLUDE = {
    "ill", "its", "hell", "shell", "shed", "were", "well", "whore",
}  # fmt: skip

# Kept whole though an apostrophe would otherwise split them off.
_APOSTROPHE_WORDS = [
    "'em", "'bout", "'cause", "'cos", "'coz", "'cuz", "'nuff", "'ll", "'d", "'re", "'s", "'S",
    "doin'", "goin'", "havin'", "lovin'", "nothin'", "nuthin'", "somethin'",
    "ol'", "ma'am", "o'clock", "''",
]  # fmt: skip

ABBREVIATIONS = """
Mr. Mrs. Ms. Dr. Prof. Rev. Sen. Rep. Gov. Gen. Adm. Jr. St. Mt. Bros. Co. co. Corp. Inc. Ltd.
vs. v.s. e.g. E.g. E.G. i.e. I.e. I.E. a.m. p.m. Ph.D. D.C. Messrs.
Jan. Feb. Mar. Apr. Jun. Jul. Aug. Sep. Sept. Oct. Nov. Dec.
Ak. Ala. Ariz. Ark. Calif. Colo. Conn. Del. Fla. Ga. Ia. Id. Ill. Ind. Kan. Kans. Ky. La. Md.
Mass. Mich. Minn. Miss. Mo. Mont. Neb. Nebr. Nev. N.C. N.D. N.H. N.J. N.M. N.Y. Okla. Ore. Pa.
S.C. Tenn. Va. Wash. Wis.
and/or w/o C++
""".split()


def _special_cases() -> dict[str, list[str]]:
    """Every special case, generated from the word lists above."""
    table: dict[str, list[str]] = {}

    def add(pieces: list[str], capitalise: bool = True) -> None:
        variants = [pieces]
        if capitalise:
            variants.append([pieces[0][:1].upper() + pieces[0][1:]] + pieces[1:])
        for parts in variants:
            table.setdefault("".join(parts), parts)

    for apos in APOSTROPHES:
        for clitic, words in _CLITICS.items():
            tails = [apos + part for part in clitic.split("'")]
            for word in words:
                add([word] + tails)
        for spelled, stem in _NEGATED.items():
            add([stem, "n" + apos + "t"])
            if spelled in _NEGATED_HAVE:
                add([stem, "n" + apos + "t", apos + "ve"])
        for word in _MODAL_HAVE:
            add([word, apos + "ve"])
        add(["i", apos + "m", "a"])
        add(["how", apos + "d", apos + "y"])
        add(["y" + apos, "all"], capitalise=False)
        for word in _APOSTROPHE_WORDS:
            add([word.replace("'", apos)])

    # Spellings without the apostrophe: "dont" -> "do" + "nt", "im" -> "i" + "m".
    for clitic, words in _CLITICS.items():
        for word in words:
            pieces = [word] + clitic.split("'")
            if "".join(pieces) not in _NO_APOSTROPHE_EXCLUDE:
                add(pieces)
    for spelled, stem in _NEGATED.items():
        add([stem, "nt"])
        if spelled in _NEGATED_HAVE:
            add([stem, "nt", "ve"])
    for word in _MODAL_HAVE:
        add([word, "ve"])
    add(["i", "m", "a"])
    add(["y", "all"], capitalise=False)

    for pieces in (["can", "not"], ["gon", "na"], ["got", "ta"]):
        add(pieces)
    for hour in range(1, 13):
        for period in ("am", "pm", "a.m.", "p.m."):
            add([str(hour), period], capitalise=False)
    for unit in "CFKcfk":
        add(["°" + unit, "."], capitalise=False)
    # A lone lower-case letter with a full stop is an abbreviation ("p. 12", "a. the first");
    # split off only when the chunk is exactly that, so "w/d." still ends in "d" + ".".
    for letter in "abcdefghijklmnopqrstuvwxyzäöü":
        add([letter + "."], capitalise=False)
    for abbr in ABBREVIATIONS:
        add([abbr], capitalise=False)
    return table


def build_rules() -> dict[str, Any]:
    """The complete English rule tables as plain data (what ``en.json`` holds)."""
    return {
        "lang": "en",
        "version": 1,
        "unicode_version": unicodedata.unidata_version,
        "char_classes": build_char_classes(),
        "prefixes": PREFIXES,
        "suffixes": SUFFIXES,
        "infixes": INFIXES,
        "matches": MATCHES,
        "emoticons": EMOTICONS,
        "special_cases": _special_cases(),
    }


JSON_PATH = Path(__file__).with_name("en.json")


def write_json(path: Path = JSON_PATH) -> None:
    """Regenerate the packaged ``en.json`` from the tables above."""
    path.write_text(
        json.dumps(build_rules(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    write_json()
