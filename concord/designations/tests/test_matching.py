"""The matcher: text hygiene, prepared names, scores, the blocking index, the screener and bulk
screening (processes and Dask). No database: everything here is plain Python."""

from __future__ import annotations

import pickle

import pytest

from concord.designations.matching import bulk, engine
from concord.designations.matching.engine import AliasStore, Record, Screener
from concord.designations.matching.names import prepare
from concord.designations.matching.text import for_matching

STORE = AliasStore(
    {
        "isil": [
            ("Исламское государство", "name"),
            ("ИГИЛ", "abbreviation"),
            ("Islamic State", "name"),
            ("ISIL", "abbreviation"),
            ("Daesh", "weak_alias"),
        ],
        "nusra": [("Jabhat al-Nusra", "name"), ("Джабхат ан-Нусра", "name")],
        "imu": [
            ("Islamic Movement of Uzbekistan", "name"),
            ("Исламское движение Узбекистана", "name"),
        ],
    }
)

ISIL_PAYLOAD = {
    "organisation_id": "co-isil",
    "name_ru": "Исламское государство",
    "name_en": "Islamic State",
    "listed_by": ["KZ", "RU"],
    "un": {"listed": True, "reference": "QDe.115", "listed_on": "2013-05-30"},
    "in_single_list": True,
}
NUSRA_PAYLOAD = {
    "organisation_id": "co-nusra",
    "name_ru": "Джабхат ан-Нусра",
    "name_en": "Jabhat al-Nusra",
    "listed_by": ["RU"],
    "un": None,
    "in_single_list": False,
}
TALIBAN_PAYLOAD = {
    "organisation_id": "co-taliban",
    "name_ru": "Талибан",
    "name_en": "Taliban",
    "listed_by": ["KZ"],
    "un": None,
    "in_single_list": False,
}


def record(record_id: str, *names: str, source: str = "", payload: dict | None = None) -> Record:
    return Record(record_id, tuple(prepare(n) for n in names), source, payload or {})


def score(left: str, right: str, store: AliasStore = STORE) -> engine.PairScore:
    query, candidate = prepare(left), prepare(right)
    return engine.score_names(query, store.group_of(query), candidate, store.group_of(candidate))


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(
        [
            record("co-isil", "Исламское государство", payload=ISIL_PAYLOAD),
            record("co-nusra", "Джабхат ан-Нусра", payload=NUSRA_PAYLOAD),
            record("co-taliban", "Талибан", "Taliban", payload=TALIBAN_PAYLOAD),
        ],
        STORE,
    )


# --- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "matched"),
    [
        ("Исл\u0430м", "Исл\u0430м"),
        ("Isl\u0430mic State", "Islamic State"),  # Cyrillic "а" in a Latin word
        ("Ислa\u043cское", "Исламское"),  # Latin "a" in a Cyrillic word
        ("Исламское\u200b госу\u200dдарство", "Исламское государство"),
        ("\u202eИслам\u202c  \u2066государство\u2069", "Ислам государство"),
        ("\ufeffТалибан\u00ad", "Талибан"),
        ("Ҷамоати Ансоруллоҳ", "Джамоати Ансоруллох"),
        ("Әл-Қаида ұйымы", "Ал-Каида уйымы"),
        ("Өзбекстан ислам қозғалысы", "Озбекстан ислам козгалысы"),
        ("  Талибан \n движение ", "Талибан движение"),
    ],
    ids=[
        "cyrillic-word-untouched",
        "cyrillic-homoglyph-in-latin",
        "latin-homoglyph-in-cyrillic",
        "zero-width",
        "bidi-controls",
        "bom-soft-hyphen",
        "tajik-letters",
        "kazakh-letters",
        "kazakh-letters-2",
        "whitespace",
    ],
)
def test_for_matching_cleans_folds_and_maps_regional_letters(written, matched):
    assert for_matching(written) == matched


# --- prepared names ------------------------------------------------------------------------------


def test_inflected_russian_names_share_a_key():
    genitive, nominative = prepare("Исламского государства"), prepare("Исламское государство")

    assert genitive.key == nominative.key == "islamski gosudarstvo"
    assert genitive.forms == ("исламского государства", "исламский государство", genitive.key)


@pytest.mark.parametrize(
    ("written", "key", "core"),
    [
        ("ТОО «Ала-Тоо»", "ala tu", "ала-тоо"),
        ("ТОО Ала-Тоо", "ala tu", "ала-тоо"),
        ("Ала-Тоо ЖШС", "ala tu", "ала-тоо"),
        ("ЖШС Бірлік", "birlik", "бирлик"),
        ("Acme Trading LLC", "akme trading", "acme trading"),
    ],
    ids=["too-quoted", "too-bare", "zhshs-after", "zhshs-before", "llc"],
)
def test_legal_forms_are_stripped_but_not_inside_a_hyphenated_name(written, key, core):
    prepared = prepare(written)

    assert (prepared.key, prepared.forms[0]) == (key, core)


def test_descriptors_around_a_quoted_name_are_stripped():
    described = prepare("Международная религиозная организация «Хизб ут-Тахрир аль-Ислами»")

    assert described.key == prepare("Хизб ут-Тахрир аль-Ислами").key == "hizb al tahrir al islami"
    assert described.forms[0] == "хизб ут-тахрир аль-ислами"


def test_arabic_articles_fold_to_one_key():
    keys = {prepare(n).key for n in ("Джабхат ан-Нусра", "Jabhat al-Nusrah", "Jabhat an-Nusra")}

    assert keys == {"jabhat al nusra"}


@pytest.mark.parametrize(
    ("name", "qualifiers", "base_key"),
    [
        ("ISIL – Caucasus Province", {"caucasus"}, "isil"),
        ("ИГИЛ – Вилайят Кавказ", {"caucasus"}, "igil"),
        ("ISIL-Khorasan", {"khorasan"}, "isil"),
        ("Вилайят Хорасан Исламского государства", {"khorasan"}, "islamski gosudarstvo"),
        ("Islamic Movement of Uzbekistan", set(), "islamik movement of uzbekistan"),
        ("Islamic State", set(), "islamik state"),
    ],
    ids=["en-province", "ru-vilayat", "hyphenated", "ru-genitive", "place-in-name", "none"],
)
def test_qualifiers(name, qualifiers, base_key):
    prepared = prepare(name)

    assert (set(prepared.qualifiers), prepared.base_key) == (qualifiers, base_key)


def test_short_names_and_weak_aliases_are_weak():
    assert [prepare(n).weak for n in ("ИГ", "HTS", "ISIL", "Islamic State")] == [
        True,
        True,
        False,
        False,
    ]
    assert prepare("Daesh", "weak_alias").weak is True


# --- scores --------------------------------------------------------------------------------------


def test_alias_store_group_of():
    assert STORE.group_of(prepare("ISIL")) == ("isil", frozenset())
    assert STORE.group_of(prepare("Исламского государства")) == ("isil", frozenset())
    assert STORE.group_of(prepare("Jabhat al-Nusrah")) == ("nusra", frozenset())
    assert STORE.group_of(prepare("ISIL – Caucasus Province")) == ("isil", frozenset({"caucasus"}))
    assert STORE.group_of(prepare("Al-Qaida")) == (None, frozenset())
    assert len(STORE) == 3


def test_names_of_one_alias_group_score_095():
    result = score("ISIL", "Исламское государство")

    assert result == engine.PairScore(
        0.95, "ISIL", "Исламское государство", {"alias_group": "isil"}
    )


def test_same_branch_in_two_scripts_scores_as_the_group():
    assert score("ISIL – Caucasus Province", "ИГИЛ – Вилайят Кавказ").score == 0.95


@pytest.mark.parametrize(
    ("left", "right", "mismatch"),
    [
        ("ISIL – Caucasus Province", "ISIL – Yemen", [["caucasus"], ["yemen"]]),
        ("ISIL – Caucasus Province", "ISIL – Yemen Province", [["caucasus"], ["yemen"]]),
        ("Islamic State", "ISIL-Khorasan", [[], ["khorasan"]]),
    ],
    ids=["caucasus-yemen", "caucasus-yemen-province", "core-khorasan"],
)
def test_a_qualifier_mismatch_is_capped_at_half(left, right, mismatch):
    result = score(left, right)

    assert result.score == 0.5
    assert result.features == {"alias_group": "isil", "qualifier_mismatch": mismatch}


def test_qualifiers_matter_without_an_alias_store_too():
    result = score("Front – Caucasus Province", "Front – Yemen Province", AliasStore({}))

    assert result.score == 0.5
    assert result.features["qualifier_mismatch"] == [["caucasus"], ["yemen"]]


def test_names_of_different_alias_groups_are_capped():
    jihad = AliasStore(
        {"iju": [("Islamic Jihad Union", "name")], "ijg": [("Islamic Jihad Group", "name")]}
    )

    without_store = score("Islamic Jihad Union", "Islamic Jihad Group", AliasStore({}))
    capped = score("Islamic Jihad Union", "Islamic Jihad Group", jihad)
    unrelated = score("Islamic State", "Jabhat al-Nusra")

    assert without_store.score == 0.7407
    assert (capped.score, capped.features["different_alias_groups"]) == (0.5, ["iju", "ijg"])
    assert (unrelated.score, unrelated.features["different_alias_groups"]) == (
        0.0,
        ["isil", "nusra"],
    )


def test_a_weak_alias_matches_only_exactly():
    no_store = AliasStore({})
    weak = prepare("Daesh", "weak_alias")
    exact = engine.score_names(weak, (None, frozenset()), prepare("Daesh"), (None, frozenset()))
    near = engine.score_names(
        weak, (None, frozenset()), prepare("Daesh Front"), (None, frozenset())
    )

    assert (exact.score, exact.features) == (0.8, {"weak_alias": True})
    assert (near.score, near.features) == (0.0, {"weak_alias": False})
    assert engine.compare_names("HTS", "HTC", no_store).score == 0.0


def test_equal_keys_score_one():
    result = score("Al-Qaida", "Al Qaida")

    assert (result.score, result.features) == (1.0, {"same_key": "al kaida"})


def test_compare_names_uses_the_alias_store_and_keeps_the_input_names():
    assert engine.compare_names("ISIL", "Islamic State", STORE) == engine.PairScore(
        0.95, "ISIL", "Islamic State", {"alias_group": "isil"}
    )
    assert engine.compare_names("Acme", "Islamic State", STORE) == engine.NO_MATCH
    assert engine.compare_names("ISIL – Caucasus Province", "ISIL – Yemen", STORE).score == 0.5


# --- screener and index --------------------------------------------------------------------------


def test_screener_returns_the_best_match_with_its_payload(screener):
    found = screener.screen("ISIL")

    assert found == [
        engine.Match(
            record_id="co-isil",
            score=0.95,
            match=True,
            query_name="ISIL",
            matched_name="Исламское государство",
            features={"alias_group": "isil"},
            payload=ISIL_PAYLOAD,
        )
    ]


def test_screener_flags_matches_by_threshold(screener):
    default = screener.screen("Taleban")
    strict = screener.screen("Taleban", threshold=0.9)

    assert [(m.record_id, m.score, m.match) for m in default] == [("co-taliban", 0.81, True)]
    assert [(m.record_id, m.score, m.match) for m in strict] == [("co-taliban", 0.81, False)]


def test_screener_finds_nothing_for_an_unrelated_name(screener):
    assert screener.screen("Acme Trading") == []


def test_a_branch_does_not_match_the_core_organisation(screener):
    found = screener.screen("ISIL – Caucasus Province")

    assert [(m.record_id, m.score, m.match) for m in found] == [("co-isil", 0.5, False)]


def test_index_scores_only_top_k_candidates(monkeypatch):
    records = [record(f"r{i:03d}", f"Front {i:03d} Liberation") for i in range(300)]
    screener = Screener(records, AliasStore({}))
    scored: list[str] = []
    score_pair = screener.index.score
    monkeypatch.setattr(
        screener.index, "score", lambda q, c: scored.append(c.id) or score_pair(q, c)
    )

    found = screener.screen("Front Liberation", top_k=10, limit=50)

    assert len(screener.index.candidates((prepare("Front Liberation"),), 10)) == 10
    assert len(scored) == 10
    assert len(found) == 10


def test_find_pairs_uses_the_index_not_all_pairs(monkeypatch):
    records = [
        record(f"{source.lower()}:{i}", f"Front {i:03d} Liberation", source=source)
        for i in range(60)
        for source in ("KZ", "RU")
    ]
    calls = []
    score_pair = engine.Index.score
    monkeypatch.setattr(
        engine.Index, "score", lambda self, q, c: calls.append(1) or score_pair(self, q, c)
    )

    pairs = {(a.id, b.id) for a, b, _ in engine.find_pairs(records, AliasStore({}), top_k=5)}

    all_pairs = len(records) * (len(records) - 1) // 2
    assert {("kz:7", "ru:7"), ("kz:42", "ru:42")} <= pairs
    assert 0 < len(calls) <= len(records) * 6 < all_pairs


def test_find_pairs_skips_pairs_from_the_same_source():
    records = [
        record("kz:1", "Taliban", source="KZ"),
        record("kz:2", "Талибан", source="KZ"),
        record("ru:1", "Taleban", source="RU"),
        record("ru:2", "Al-Qaida", source="RU"),
        record("un:1", "Al-Qaeda", source="UN"),
    ]

    pairs = [(a.id, b.id, r.score) for a, b, r in engine.find_pairs(records, AliasStore({}))]

    assert pairs == [("kz:1", "ru:1", 0.81), ("kz:2", "ru:1", 0.81), ("ru:2", "un:1", 0.9)]


def test_screener_survives_pickling(screener):
    copy = pickle.loads(pickle.dumps(screener))  # noqa: S301 - our own object

    for name in ("ISIL", "Jabhat al-Nusrah", "Taleban", "Acme"):
        assert copy.screen(name) == screener.screen(name)
    assert len(copy) == 3


# --- bulk screening ------------------------------------------------------------------------------

NAMES = ["ISIL", "Acme Trading", "Jabhat al-Nusrah", "Taleban", "ISIL – Yemen"] * 3

ISIL_ROW = {
    "name": "ISIL",
    "match": True,
    "score": 0.95,
    "organisation_id": "co-isil",
    "canonical_name_ru": "Исламское государство",
    "canonical_name_en": "Islamic State",
    "matched_name": "Исламское государство",
    "listed_by": "KZ RU",
    "un_reference": "QDe.115",
    "in_single_list": True,
}
NO_MATCH_ROW = {
    "name": "Acme Trading",
    "match": False,
    "score": 0.0,
    "organisation_id": "",
    "canonical_name_ru": "",
    "canonical_name_en": "",
    "matched_name": "",
    "listed_by": "",
    "un_reference": "",
    "in_single_list": False,
}


def test_screen_stream_gives_one_row_per_name_in_order(screener):
    rows = list(bulk.screen_stream(screener, NAMES, workers=1, chunk=2))

    assert [r["name"] for r in rows] == NAMES
    assert rows[0] == ISIL_ROW
    assert rows[1] == NO_MATCH_ROW
    assert [(r["organisation_id"], r["match"]) for r in rows[2:5]] == [
        ("co-nusra", True),
        ("co-taliban", True),
        ("co-isil", False),
    ]


def test_screen_stream_on_two_processes_gives_the_same_rows(screener):
    single = list(bulk.screen_stream(screener, NAMES, workers=1, chunk=2))
    parallel = list(bulk.screen_stream(screener, NAMES, workers=2, chunk=2))

    assert parallel == single


def test_dask_screen_gives_the_same_rows(screener, monkeypatch):
    distributed = pytest.importorskip("distributed")
    # In-process comms name themselves after the host's address, which dask finds by "connecting"
    # a UDP socket to 8.8.8.8; the suite has no network, so give it the loopback address.
    monkeypatch.setattr("distributed.comm.inproc.get_ip", lambda: "127.0.0.1")
    expected = list(bulk.screen_stream(screener, NAMES, workers=1, chunk=2))

    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        rows = list(bulk.dask_screen(client, screener, NAMES, chunk=2))

    assert rows == expected
