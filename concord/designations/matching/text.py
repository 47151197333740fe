"""Text hygiene for names: invisible characters, homoglyphs and mixed scripts.

The original text of a name is always kept as written; these functions produce the form used
for matching and the flags shown to analysts. Script detection is rigour's (ICU4X); what rigour
does not do — neutralising Latin/Cyrillic look-alikes inside one word, and the Central Asian
Cyrillic letters its transliteration leaves unmapped — is done here.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from rigour.text.scripts import codepoint_script

# Format characters (Unicode category Cf) are invisible: zero-width spaces and joiners, the
# bidirectional embeddings, overrides and isolates, the BOM, soft hyphens. None belongs in a name.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Pairs of letters that look the same in Latin and Cyrillic (lower and upper case).
_LATIN_TO_CYRILLIC = {
    "a": "а", "c": "с", "e": "е", "o": "о", "p": "р", "x": "х", "y": "у", "i": "і",
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У", "I": "І",
}  # fmt: skip
_CYRILLIC_TO_LATIN = {cyr: lat for lat, cyr in _LATIN_TO_CYRILLIC.items()}

# Letters of Kazakh, Kyrgyz, Tajik and Belarusian Cyrillic that rigour's transliteration leaves
# unmapped (it turns "Ҷамоати Ансоруллоҳ" into "?amoati Ansorullo?"). Spellings follow the
# usual Russian-style romanisation used in the region's lists.
CENTRAL_ASIAN_LETTERS = {
    "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
    "і": "и", "ҷ": "дж", "ҳ": "х", "ӣ": "ий", "ӯ": "у", "ў": "у",
    "Ә": "А", "Ғ": "Г", "Қ": "К", "Ң": "Н", "Ө": "О", "Ұ": "У", "Ү": "У", "Һ": "Х",
    "І": "И", "Ҷ": "Дж", "Ҳ": "Х", "Ӣ": "Ий", "Ӯ": "У", "Ў": "У",
}  # fmt: skip
_CENTRAL_ASIAN_TABLE = str.maketrans(CENTRAL_ASIAN_LETTERS)


def is_invisible(char: str) -> bool:
    return unicodedata.category(char) == "Cf"


def invisible_characters(text: str) -> list[str]:
    """Unicode names of the invisible characters in `text`, in order of appearance."""
    return [unicodedata.name(ch, f"U+{ord(ch):04X}") for ch in text if is_invisible(ch)]


def clean(text: str) -> str:
    """NFC, without invisible characters, with whitespace collapsed. Letters are untouched."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if not is_invisible(ch))
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def _script(char: str) -> str | None:
    if not char.isalpha():
        return None
    script = codepoint_script(ord(char))
    return script if script not in {None, "Common", "Inherited"} else None


def _words(text: str) -> list[str]:
    word: list[str] = []
    words: list[str] = []
    for ch in text:
        if ch.isalpha():
            word.append(ch)
        elif word:
            words.append("".join(word))
            word = []
    if word:
        words.append("".join(word))
    return words


def word_scripts(word: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for ch in word:
        script = _script(ch)
        if script is not None:
            counts[script] = counts.get(script, 0) + 1
    return counts


def mixed_script_words(text: str) -> list[str]:
    """Words that mix letters of two scripts, e.g. a Latin "a" inside a Cyrillic word."""
    return [word for word in _words(text) if len(word_scripts(word)) > 1]


def _fold_word(word: str) -> str:
    counts = word_scripts(word)
    if len(counts) < 2:
        return word
    main = max(counts, key=lambda script: counts[script])
    if main == "Cyrillic":
        return "".join(_LATIN_TO_CYRILLIC.get(ch, ch) for ch in word)
    if main == "Latin":
        return "".join(_CYRILLIC_TO_LATIN.get(ch, ch) for ch in word)
    return word


def fold_homoglyphs(text: str) -> str:
    """Within each mixed-script word, replace look-alike letters by the word's main script."""
    if not mixed_script_words(text):
        return text
    out: list[str] = []
    word: list[str] = []
    for ch in text + " ":
        if ch.isalpha():
            word.append(ch)
            continue
        if word:
            out.append(_fold_word("".join(word)))
            word = []
        out.append(ch)
    return "".join(out)[:-1]


def central_asian_to_russian(text: str) -> str:
    """Map Kazakh/Kyrgyz/Tajik/Belarusian letters to their Russian counterparts."""
    return text.translate(_CENTRAL_ASIAN_TABLE)


def main_script(text: str) -> str:
    """The script most letters of `text` are written in ("" when there are no letters)."""
    counts = word_scripts(text)
    return max(counts, key=lambda script: counts[script]) if counts else ""


def for_matching(text: str) -> str:
    """The form every matcher starts from: cleaned, homoglyphs folded, regional letters mapped."""
    return central_asian_to_russian(fold_homoglyphs(clean(text)))
