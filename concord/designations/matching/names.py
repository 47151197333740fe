"""Preparing a name for matching: the forms given to logic-v2, the key looked up in the alias
store, the qualifiers (branch, province, country) and the blocking keys.

rigour does the script work (transliteration, organisation types, tokenising); pymorphy3 undoes
Russian inflection. What neither knows — the legal forms and list descriptors of the region,
Arabic article assimilation in Russian renderings ("ан-Нусра" is "al-Nusra"), and the
qualifiers that make a branch a different organisation — is written here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

import pymorphy3
from rigour.names.org_types import remove_org_types
from rigour.text.translit import ascii_text

from .text import clean, for_matching, main_script

# Legal forms of the region that rigour's table lacks, written as whole words (so "Тоо" inside
# "Ала-Тоо" is never touched: hyphenated words are one word here).
REGIONAL_LEGAL_FORMS = frozenset(
    {"тоо", "жшс", "ак", "ао", "жчк", "оао", "зао", "пао", "ооо", "одо", "чуп", "уп", "ип",
     "джмм", "ҷдмм", "сп", "спը", "սպը", "բը", "фк", "ра", "ко", "llc", "ltd", "inc", "jsc",
     "llp"}
)  # fmt: skip

# Words with which lists describe what kind of body an organisation is, around its proper name
# in quotes: «Международная религиозная организация «Хизб ут-Тахрир аль-Ислами»».
DESCRIPTOR_WORDS = frozenset(
    {"международная", "международное", "международный", "религиозная", "религиозное",
     "религиозный", "организация", "организации", "объединение", "общественное",
     "общественная", "общественный", "движение", "группа", "группировка", "незаконное",
     "вооруженное", "вооружённое", "формирование", "террористическая", "террористическое",
     "экстремистская", "экстремистское", "некоммерческая", "структурное", "подразделение",
     "международного", "религиозного", "объединения", "сообщество", "ассоциация",
     "молодежный", "молодёжный",
     "террористический", "экстремистский", "незаконный", "вооруженный", "некоммерческий",
     "структурный",
     "international", "religious", "organization", "organisation", "association", "movement",
     "group", "the", "terrorist", "extremist", "public", "ұйым", "ұйымы", "халықаралық",
     "діни", "қозғалыс", "уюм", "эл", "аралык", "диний", "созмони", "ташкилоти", "ҳаракати",
     "կազմակերպություն", "միջազգային"}
)  # fmt: skip

# Words that mark the rest of a name as a branch or province: "ИГИЛ – Вилайят Кавказ",
# "ISIL-Khorasan Province", "Филиал ... в Сирии".
_MARKER_SPELLINGS = (
    "province", "provinces", "wilayat", "wilayah", "vilayat", "vilaiat", "vilaiiat", "vilaet",
    "vilayet", "velaiat", "provintsiia", "provintsii", "branch", "filial", "otdelenie",
    "emirate", "faction", "wing", "chapter",
)  # fmt: skip

# Places that name branches, in the spellings national lists use, folded to one key each.
PLACES = {
    "kavkaz": "caucasus", "caucasus": "caucasus", "kavkazskii": "caucasus",
    "horasan": "khorasan", "khorasan": "khorasan", "khurasan": "khorasan", "horasana": "khorasan",
    "iemen": "yemen", "yemen": "yemen", "iemena": "yemen",
    "siriia": "syria", "syria": "syria", "sirii": "syria", "sham": "syria", "shama": "syria",
    "irak": "iraq", "iraq": "iraq", "iraka": "iraq",
    "livan": "lebanon", "lebanon": "lebanon", "egipet": "egypt", "egypt": "egypt",
    "sinai": "sinai", "sinaia": "sinai", "liviia": "libya", "libya": "libya", "livii": "libya",
    "somali": "somalia", "somalia": "somalia", "nigeriia": "nigeria", "nigeria": "nigeria",
    "pakistan": "pakistan", "pakistana": "pakistan", "afganistan": "afghanistan",
    "afghanistan": "afghanistan", "afganistana": "afghanistan", "indiia": "india",
    "india": "india", "bangladesh": "bangladesh", "filippiny": "philippines",
    "philippines": "philippines", "indoneziia": "indonesia", "indonesia": "indonesia",
    "magrib": "maghreb", "maghreb": "maghreb", "magriba": "maghreb", "sahel": "sahel",
    "sahelia": "sahel", "tadzhikistan": "tajikistan", "tajikistan": "tajikistan",
    "uzbekistan": "uzbekistan", "kazakhstan": "kazakhstan", "kyrgyzstan": "kyrgyzstan",
    "kirgiziia": "kyrgyzstan", "chechnia": "chechnya", "chechnya": "chechnya",
    "dagestan": "dagestan", "ingushetiia": "ingushetia", "ingushetia": "ingushetia",
    "turtsiia": "turkey", "turkey": "turkey", "mozambik": "mozambique",
    "mozambique": "mozambique", "kongo": "congo", "congo": "congo", "mali": "mali",
    "aravia": "arabia", "araviia": "arabia", "arabian": "arabia", "arabia": "arabia",
    "zapadnaia": "west", "west": "west", "western": "west", "vostochnaia": "east", "east": "east",
    "tsentralnaia": "central", "central": "central", "afrika": "africa", "afriki": "africa",
    "africa": "africa", "aziia": "asia", "asia": "asia", "azii": "asia",
    "indian": "india", "subcontinent": "india", "subkontinent": "india", "levant": "levant",
    "peninsula": "arabia", "poluostrov": "arabia", "poluostrova": "arabia",
    # Further places where branches of listed organisations operate, in English and in Russian
    # (nominative; inflected forms are lemmatised before the lookup).
    "sahara": "sahara", "сахара": "sahara", "algeria": "algeria", "алжир": "algeria",
    "tunisia": "tunisia", "тунис": "tunisia", "morocco": "morocco", "марокко": "morocco",
    "niger": "niger", "нигер": "niger", "burkina": "burkina faso", "буркина-фасо": "burkina faso",
    "chad": "chad", "чад": "chad", "cameroon": "cameroon", "камерун": "cameroon",
    "kenya": "kenya", "кения": "kenya", "uganda": "uganda", "уганда": "uganda",
    "jordan": "jordan", "иордания": "jordan", "palestine": "palestine", "палестина": "palestine",
    "gaza": "gaza", "газа": "gaza", "iran": "iran", "иран": "iran",
    "azerbaijan": "azerbaijan", "азербайджан": "azerbaijan", "georgia": "georgia",
    "грузия": "georgia", "kabardino-balkaria": "kabardino-balkaria",
    "кабардино-балкария": "kabardino-balkaria", "turkmenistan": "turkmenistan",
    "туркменистан": "turkmenistan", "xinjiang": "xinjiang", "синьцзян": "xinjiang",
    "kashmir": "kashmir", "кашмир": "kashmir", "bengal": "bengal", "бенгалия": "bengal",
    "malaysia": "malaysia", "малайзия": "malaysia", "thailand": "thailand",
    "таиланд": "thailand", "myanmar": "myanmar", "мьянма": "myanmar", "najd": "najd",
    "hijaz": "hijaz", "aden": "aden", "anbar": "anbar", "nineveh": "nineveh",
    "ninawa": "nineveh", "raqqa": "raqqa", "ракка": "raqqa", "idlib": "idlib",
    "идлиб": "idlib", "barqa": "barqa", "fezzan": "fezzan", "tripoli": "tripoli",
}  # fmt: skip

# Compass words name a different organisation wherever they stand: "Islamic Party of East
# Turkestan" is not "Islamic Party of Turkestan", "ISIL West Africa" is not "ISIL".
DIRECTIONS = {
    "vostochnii": "east", "vostochnaia": "east", "vostochnogo": "east", "eastern": "east",
    "east": "east", "zapadnii": "west", "zapadnaia": "west", "western": "west", "west": "west",
    "severnii": "north", "severnaia": "north", "northern": "north", "north": "north",
    "iuzhnii": "south", "iuzhnaia": "south", "southern": "south", "south": "south",
    # Nationality adjectives likewise: "Palestinian Islamic Jihad" is not "Egyptian Islamic
    # Jihad" nor the "Islamic Jihad Union".
    "palestinian": "palestine", "palestinskii": "palestine", "egyptian": "egypt",
    "egipetskii": "egypt", "syrian": "syria", "siriiskii": "syria", "libyan": "libya",
    "liviiskii": "libya", "tunisian": "tunisia", "tunisskii": "tunisia", "moroccan": "morocco",
    "marokkanskii": "morocco", "algerian": "algeria", "alzhirskii": "algeria", "iraqi": "iraq",
    "irakskii": "iraq", "afghan": "afghanistan", "afganskii": "afghanistan",
    "pakistani": "pakistan", "pakistanskii": "pakistan", "chechen": "chechnya",
    "chechenskii": "chechnya", "uzbek": "uzbekistan", "uzbekskii": "uzbekistan",
    "tajik": "tajikistan", "tadzhikskii": "tajikistan", "uyghur": "uyghur",
    "uigurskii": "uyghur", "kurdish": "kurdistan", "kurdskii": "kurdistan",
    "somali": "somalia", "nigerian": "nigeria",
}  # fmt: skip

STOPWORDS = frozenset({"al", "the", "of", "and", "i", "v", "va", "wa", "el", "de", "la", "for"})

_SEPARATORS = re.compile(r"\s[-–—:]\s|[–—:(),\[\]]|\s-|-\s")  # hyphen inside a word is no separator
_QUOTED = re.compile(r"[«\"“„”']([^«»\"“„”']{2,})[»\"”“']")
_ARTICLE = re.compile(r"\b(?:a|e|u|i)(?:l|n|r|s|sh|d|t|z|th|dh|dz)-(?=\w)")
_NON_WORD = re.compile(r"[^\w]+")
_WEAK_MAX_LETTERS = 3
_IN_TAIL_WORDS = 4

_FOLDS = (
    ("dzh", "j"), ("zh", "j"), ("dj", "j"), ("kh", "h"), ("gh", "g"), ("q", "k"), ("ph", "f"),
    ("w", "v"), ("ou", "u"), ("ee", "i"), ("oo", "u"), ("y", "i"), ("c", "k"), ("x", "ks"),
    ("'", ""),
)  # fmt: skip


@lru_cache(maxsize=1)
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def lemma(word: str) -> str:
    """The dictionary form of a Russian noun or adjective (so "Исламского государства" and
    "Исламское государство" agree); any other word unchanged."""
    if not word or not ("а" <= word[0] <= "я" or word[0] == "ё"):
        return word
    parts = word.split("-")
    if len(parts) > 1:
        return "-".join(lemma(part) for part in parts)
    parse = _morph().parse(word)[0]
    if type(parse.methods_stack[0][0]).__name__ != "DictionaryAnalyzer":
        return word  # a guess for an unknown (often foreign) word does more harm than good
    if parse.tag.POS not in {"NOUN", "ADJF", "PRTF"}:
        return word
    normal = str(parse.normal_form)
    if normal[:-1] == word:
        return word  # "хизб", "джабхат" read as genitive plurals of "хизба", "джабхата"
    return normal


@lru_cache(maxsize=200_000)
def fold_latin(text: str) -> str:
    """One spelling for the Latin renderings of Russian and Arabic names: "Dzhabhat an-Nusra",
    "Jabhat al-Nusrah" and "Djabhat al Nousra" all fold to "jabhat al nusra"-like keys."""
    text = ascii_text(text).lower()
    text = _ARTICLE.sub("al ", text)
    for old, new in _FOLDS:
        text = text.replace(old, new)
    text = _NON_WORD.sub(" ", text)
    words = []
    for word in text.split():
        folded = re.sub(r"(.)\1+", r"\1", word)  # doubled letters: "jamaat" = "jamat"
        folded = folded.removesuffix("h") if len(folded) > 4 else folded  # "nusrah" = "nusra"
        words.append(folded)
    return " ".join(words)


# Kazakh and Kyrgyz case endings (genitive, dative, accusative, locative, ablative,
# instrumental), longest first. Stripped only from words of names written in those languages
# (recognised by their own letters), and only when a stem of 4+ letters remains.
_TURKIC_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_TURKIC_ENDINGS = tuple(
    sorted(
        {"ның", "нің", "дың", "дің", "тың", "тің", "нын", "нин", "дын", "дин", "тын", "тин",
         "нун", "нүн", "дун", "дүн", "тун", "түн", "ға", "ге", "қа", "ке", "га", "го", "гө",
         "ны", "ні", "ды", "ді", "ты", "ті", "нан", "нен", "дан", "ден", "тан", "тен", "мен",
         "бен", "пен", "да", "де", "та", "те", "ын", "ин"},
        key=len,
        reverse=True,
    )
)  # fmt: skip


def turkic_stem(text: str) -> str:
    """Undo Kazakh/Kyrgyz case endings: "Ислам мемлекетінің" → "Ислам мемлекеті"."""
    if not _TURKIC_LETTERS & set(text):
        return text
    words = []
    for word in text.split():
        stem = word
        for ending in _TURKIC_ENDINGS:
            if word.casefold().endswith(ending) and len(word) - len(ending) >= 4:
                stem = word[: -len(ending)]
                break
        words.append(stem)
    return " ".join(words)


def _skeleton(token: str) -> str:
    return "".join(ch for ch in token if ch not in "aeiou") or token


@lru_cache(maxsize=1)
def _places() -> dict[str, str]:
    return {fold_latin(spelling): place for spelling, place in PLACES.items()}


@lru_cache(maxsize=1)
def _directions() -> dict[str, str]:
    return {fold_latin(spelling): key for spelling, key in DIRECTIONS.items()}


@lru_cache(maxsize=1)
def _markers() -> frozenset[str]:
    return frozenset(fold_latin(spelling) for spelling in _MARKER_SPELLINGS)


def _is_legal_form(word: str) -> bool:
    bare = word.strip("«»\"'“”„.,")
    if bare in REGIONAL_LEGAL_FORMS:
        return True
    # rigour's table, applied to whole words only: it would cut "тоо" out of "ала-тоо".
    return len(bare) > 2 and "-" not in bare and not remove_org_types(bare).strip()


def _strip_forms(words: list[str]) -> list[str]:
    kept = [w for w in words if not _is_legal_form(w)]
    return kept or words


def _is_descriptor(word: str) -> bool:
    bare = word.strip("«»\"'“”„.,")
    return bare in DESCRIPTOR_WORDS or lemma(bare) in DESCRIPTOR_WORDS


def _proper_remains(words: list[str]) -> bool:
    return any(sum(ch.isalpha() for ch in w) >= 3 for w in words)


def core_name(text: str) -> str:
    """The proper name without legal forms and list descriptors around a quoted name:
    «движения «Талибан»», «Международное молодежное движение «Колумбайн»»."""
    lowered = text.casefold()
    quoted = _QUOTED.findall(lowered)
    if quoted:
        outside = _QUOTED.sub(" ", lowered)
        outside_words = [w for w in _NON_WORD.sub(" ", outside).split() if w]
        if all(_is_descriptor(w) or w in REGIONAL_LEGAL_FORMS for w in outside_words):
            lowered = quoted[-1] if len(quoted) == 1 else " ".join(quoted)
    words = _strip_forms(lowered.split())
    # Remove descriptor words only at the start, and only if a proper name remains.
    while len(words) > 1 and _is_descriptor(words[0]) and _proper_remains(words[1:]):
        words = words[1:]
    return " ".join(words).strip("«»\"'“”„ ")


def split_qualifiers(core: str) -> tuple[str, frozenset[str]]:
    """Split a branch name into its base and place qualifiers: "ISIL – Caucasus Province",
    "ИГИЛ – Вилайят Кавказ", "Вилайят Хорасан Исламского государства", "ISIL-Khorasan".

    A place counts as a qualifier only after a separator, next to a province/branch word,
    hyphenated onto the name, or in a final "in …"/"в …" — never as an ordinary part of a name
    ("Islamic Movement of Uzbekistan" has none).
    """
    places, markers, directions = _places(), _markers(), _directions()
    segments = [s.strip() for s in _SEPARATORS.split(core) if s and s.strip()]
    base: list[str] = []
    found: set[str] = set()
    base_cut, tail_place = 0, False
    for index, segment in enumerate(segments):
        words: list[tuple[str, bool]] = []  # (folded word part, hyphen-attached)
        for word in segment.split():
            for part_index, part in enumerate(lemma(word).split("-")):
                words.extend((w, part_index > 0) for w in fold_latin(part).split())
        # "… in (the) Greater Sahara", "… в Большой Сахаре": a place in the last few words
        # after "in"/"в" names where the branch is.
        ins = [i for i, (w, _) in enumerate(words) if w in {"in", "v", "vo"}]
        tail_start = ins[-1] if ins and len(words) - ins[-1] <= _IN_TAIL_WORDS else len(words)
        for position, (word, attached) in enumerate(words):
            place = places.get(word)
            previous = words[position - 1][0] if position else ""
            following = words[position + 1][0] if position + 1 < len(words) else ""
            tail_of_in = position > tail_start
            if index == 0 and position == tail_start:
                base_cut = len(base)  # where the base ends if a place follows "in"
            if index == 0 and tail_of_in and place:
                tail_place = True
            if word in directions:
                found.add(directions[word])
            elif place and (index > 0 or attached or tail_of_in or markers & {previous, following}):
                found.add(place)
            if (
                index == 0
                and word not in markers
                and word not in directions
                and not (place and (attached or tail_of_in or markers & {previous, following}))
            ):
                base.append(word)
    if tail_place:  # "Al-Qaida in the Arabian Peninsula": the base is "al kaida"
        base = base[:base_cut]
    return " ".join(base), frozenset(found)


@dataclass(frozen=True)
class PreparedName:
    """A name made ready for matching. Picklable; `id` is derived from the content, as
    logic-v2 caches its name analysis by entity id."""

    id: str
    text: str
    forms: tuple[str, ...]
    key: str  # folded Latin form of the lemmatised core name: alias-store and equality key
    base_key: str  # the key without place qualifiers and province/branch words
    initials: str  # first letters of the key's words, for acronyms ("idu", "imu")
    tokens: tuple[str, ...]
    qualifiers: frozenset[str]
    weak: bool
    script: str

    @property
    def blocking_keys(self) -> set[str]:
        keys = {f"t:{t}" for t in self.tokens if t not in STOPWORDS}
        keys.update(f"p:{t[:4]}" for t in self.tokens if len(t) >= 6)
        # Consonant skeletons catch typos in vowels: "kaida" and "kaeda" share "s:kd".
        keys.update(f"s:{_skeleton(t)}" for t in self.tokens if len(t) >= 4)
        if not keys and self.key:
            keys.add(f"k:{self.key}")
        return keys


_PARENTHESES = re.compile(r"\(([^()]{2,})\)")
_ALTERNATIVE_MARKERS = re.compile(
    r"^(?:бывш(?:ее|ая|ий|ие)|ранее|также|прежнее название|formerly|former|previously|also|"
    r"a\.?k\.?a\.?|f\.?k\.?a\.?)\s+",
    re.IGNORECASE,
)


def alternatives(text: str) -> list[str]:
    """A name and the alternatives lists give in parentheses: «База» («Аль-Каида»),
    "IPT (бывшее «Исламское движение Узбекистана»)". A parenthesis that only names a place or
    branch stays part of the name."""
    inner = _PARENTHESES.findall(text)
    if not inner:
        return [text]
    outside = " ".join(_PARENTHESES.sub(" ", text).split())
    found = [outside] if outside.strip(" «»\"'-–—") else []
    for raw in inner:
        part = _ALTERNATIVE_MARKERS.sub("", raw.strip()).strip()
        _, places = split_qualifiers(part.casefold())
        letters = sum(ch.isalpha() for ch in part)
        if places or letters < 2:
            return [text]
        found.append(part)
    return found or [text]


@lru_cache(maxsize=100_000)
def prepare(text: str, kind: str = "name") -> PreparedName:
    matching = for_matching(turkic_stem(clean(text)))
    core = core_name(matching) or matching.casefold()
    lemmatised = " ".join(lemma(word) for word in core.split())
    key = fold_latin(lemmatised)
    forms = list(dict.fromkeys([core, lemmatised, key]))
    letters = sum(ch.isalpha() for ch in key)
    weak = kind == "weak_alias" or letters <= _WEAK_MAX_LETTERS
    base, qualifiers = split_qualifiers(core)
    digest = hashlib.sha1("\x1f".join(forms).encode(), usedforsecurity=False).hexdigest()[:16]
    return PreparedName(
        id=f"n{digest}",
        text=text,
        forms=tuple(forms),
        key=key,
        base_key=base if qualifiers else key,
        initials="".join(t[0] for t in key.split() if t not in STOPWORDS and t[0].isalpha()),
        tokens=tuple(dict.fromkeys(key.split())),
        qualifiers=qualifiers,
        weak=weak,
        script=main_script(matching),
    )


def prepare_all(text: str, kind: str = "name") -> tuple[PreparedName, ...]:
    """`prepare` for a name and each alternative it gives in parentheses."""
    return tuple(dict.fromkeys(prepare(part, kind) for part in alternatives(text)))
