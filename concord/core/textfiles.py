"""Reading the text files agencies send (CSV lists and registers): which encoding, which delimiter.

Files in this region come as UTF-8, UTF-8 with a BOM, or CP1251 (Windows Cyrillic). Every
importer decodes with `decode_text` and splits with `csv_delimiter`, so they agree on what a
file means. Plain Python: parsers that must run without Django may use it.

`charset-normalizer` guesses among dozens of encodings and can pick a wrong one for short files;
here the choice is among three, and CP1251 is accepted only when it yields Cyrillic letters
(it decodes almost any bytes, so Cyrillic text is the evidence it was meant).
"""

from __future__ import annotations

import csv
import re

_CYRILLIC = re.compile(r"[А-Яа-яЁё]")
_BOM = b"\xef\xbb\xbf"


def decode_text(data: bytes) -> tuple[str | None, str]:
    """(text, encoding name) for UTF-8 (with or without BOM) or CP1251; (None, "") otherwise."""
    if data.startswith(_BOM):
        try:
            return data[len(_BOM) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None, ""
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError:
        return None, ""
    return (text, "cp1251") if _CYRILLIC.search(text) else (None, "")


def csv_delimiter(text: str) -> str:
    """`;` or `,`: decided by the header line; the sniffer only breaks a tie."""
    header = text.split("\n", 1)[0]
    commas, semicolons = header.count(","), header.count(";")
    if commas != semicolons:
        return "," if commas > semicolons else ";"
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;").delimiter
    except csv.Error:
        return ","
