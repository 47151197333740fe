"""Writes: imports of national lists, the alias store, judgements, harmonisation, rounds,
publishing and the screening log. Each function is one transaction with its audit event."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from concord.core import audit
from concord.core.models import MemberState, User

from . import access, queries, snapshots
from .matching.engine import AliasStore, Record, find_pairs
from .matching.names import prepare, prepare_all
from .models import (
    UN_CODE,
    AliasGroup,
    AliasName,
    Answer,
    Candidate,
    Entry,
    EntryName,
    EntryRevision,
    Generation,
    Judgement,
    ListVersion,
    NationalList,
    Publication,
    Round,
    RoundAnswer,
    RoundItem,
    Verdict,
)
from .records import LANGUAGES, NameKind, ParsedEntry, ParsedList

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ALIAS_DATA = Path(__file__).resolve().parent / "data" / "alias_groups.yml"
DEFAULT_AUTO_THRESHOLD = 0.9
DEFAULT_REVIEW_THRESHOLD = 0.5


def bump_generation() -> None:
    """Tell every process that what the matcher sees has changed."""
    stamp = secrets.token_hex(16)
    updated = Generation.objects.filter(key=queries.GENERATION_KEY).update(
        value=F("value") + 1, stamp=stamp
    )
    if not updated:
        Generation.objects.create(key=queries.GENERATION_KEY, value=1, stamp=stamp)


# --- lists -------------------------------------------------------------------------------------


@transaction.atomic
def ensure_lists() -> list[NationalList]:
    """One national list per current member state and the UN reference list."""
    lists = []
    for state in MemberState.objects.current().order_by("code"):
        national, _created = NationalList.objects.update_or_create(
            code=state.code,
            defaults={
                "state": state,
                "name_ru": f"Национальный перечень: {state.name_ru}",
                "name_en": f"National list: {state.name_en}",
            },
        )
        lists.append(national)
    un, _created = NationalList.objects.update_or_create(
        code=UN_CODE,
        defaults={
            "state": None,
            "name_ru": "Сводный санкционный перечень Совета Безопасности ООН",
            "name_en": "UN Security Council Consolidated List",
        },
    )
    lists.append(un)
    return lists


def get_list(code: str) -> NationalList:
    try:
        return NationalList.objects.select_related("state").get(code=code.upper())
    except NationalList.DoesNotExist:
        known = ", ".join(NationalList.objects.values_list("code", flat=True))
        raise ValidationError(
            _("unknown list %(code)s (known: %(known)s)") % {"code": code, "known": known}
        ) from None


@dataclass
class ImportResult:
    national_list: NationalList
    diff: queries.ListDiff
    version: ListVersion | None
    unchanged: bool
    dry_run: bool
    warnings: list[str] = field(default_factory=list)


def _entry_data(item: ParsedEntry) -> dict[str, Any]:
    return {
        "category": item.category,
        "listed_on": item.listed_on,
        "legal_basis": item.legal_basis,
        "reasons": item.reasons,
        "status": item.status,
        "delisted_on": item.delisted_on,
        "source_url": item.source_url,
        "notes": item.notes,
        "extra": dict(item.extra),
        "content_hash": item.content_hash(),
    }


def _set_names(entry: Entry, item: ParsedEntry) -> None:
    entry.names.all().delete()
    EntryName.objects.bulk_create(
        EntryName(
            entry=entry,
            position=position,
            text=name.text[:500],
            kind=name.kind,
            lang=name.lang,
            flags=list(name.flags),
        )
        for position, name in enumerate(item.names)
    )


@transaction.atomic
def import_list(
    *,
    acting_user: User | None,
    national_list: NationalList,
    parsed: ParsedList,
    as_of: date | None = None,
    dry_run: bool = False,
) -> ImportResult:
    """Compare a parsed file with the list and, unless `dry_run`, apply it as a new version.
    Identical content creates no version. `acting_user=None` is the system (demo loader)."""
    if acting_user is not None:
        access.require_list_editor(acting_user, national_list)
    diff = queries.list_diff(national_list, parsed)
    latest = national_list.versions.order_by("-number").first()
    unchanged = latest is not None and latest.content_hash == parsed.content_hash()
    warnings = [str(w) for w in parsed.warnings]
    if dry_run or unchanged:
        return ImportResult(national_list, diff, None, unchanged, dry_run, warnings)
    version = ListVersion.objects.create(
        national_list=national_list,
        number=(latest.number + 1) if latest else 1,
        created_by=acting_user,
        as_of=as_of,
        format=parsed.format,
        filename=parsed.file[:255],
        encoding=parsed.encoding,
        content_hash=parsed.content_hash(),
        entry_count=len(parsed.entries),
        summary=diff.as_dict(),
    )
    existing = {e.entry_id: e for e in national_list.entries.prefetch_related("names")}
    for item in parsed.entries:
        entry = existing.get(item.entry_id)
        if entry is None:
            entry = Entry.objects.create(
                national_list=national_list,
                entry_id=item.entry_id,
                uid=Entry.make_uid(national_list.code, item.entry_id),
                first_version=version,
                last_version=version,
                present=True,
                **_entry_data(item),
            )
            changes = ["added"]
        else:
            changes = ["returned"] if not entry.present else queries.entry_changes(entry, item)
            for name, value in _entry_data(item).items():
                setattr(entry, name, value)
            entry.present = True
            entry.last_version = version
            entry.save()
        if changes:
            if "renamed" in changes or "added" in changes or "returned" in changes:
                _set_names(entry, item)
            EntryRevision.objects.create(
                entry=entry, version=version, changes=changes, data=item.content()
            )
    incoming = {item.entry_id for item in parsed.entries}
    for entry_id, entry in existing.items():
        if entry.present and entry_id not in incoming:
            entry.present = False
            entry.save(update_fields=["present"])
            EntryRevision.objects.create(entry=entry, version=version, changes=["removed"], data={})
    bump_generation()
    audit.record(
        actor=acting_user,
        action="designations.import",
        obj=version,
        summary={
            "list": national_list.code,
            "version": version.number,
            "file": parsed.file,
            "format": parsed.format,
            "entries": len(parsed.entries),
            "content_hash": version.content_hash,
            **{k: len(v) for k, v in diff.as_dict().items() if isinstance(v, list)},
        },
    )
    return ImportResult(national_list, diff, version, False, False, warnings)


# --- alias store -------------------------------------------------------------------------------


def _check_alias_name(text: str, lang: str, kind: str) -> tuple[str, str, str]:
    text = " ".join(text.split())
    if not text:
        raise ValidationError(_("an alias needs a name"))
    if lang not in LANGUAGES:
        raise ValidationError(_("unknown language %(lang)s") % {"lang": lang})
    if kind not in NameKind.ALL:
        raise ValidationError(_("unknown name type %(kind)s") % {"kind": kind})
    return text, lang, kind


def _ensure_unique_key(text: str, group: AliasGroup) -> None:
    """Two groups must never share a name: the store would no longer say which is meant."""
    key = prepare(text).key
    for other in AliasName.objects.exclude(group=group).select_related("group"):
        if prepare(other.text, other.kind).key == key:
            raise ValidationError(
                _("%(name)s is already a name of %(group)s")
                % {"name": text, "group": other.group.label}
            )


@transaction.atomic
def alias_group_create(
    *,
    acting_user: User,
    key: str,
    label_ru: str,
    label_en: str,
    source: str,
    source_url: str = "",
) -> AliasGroup:
    access.require_reviewer(acting_user)
    if not source.strip():
        raise ValidationError(_("cite the public source of the group"))
    if not _SLUG.fullmatch(key):
        raise ValidationError(_("the key takes lower-case Latin letters, digits and hyphens"))
    if not label_ru.strip() or not label_en.strip():
        raise ValidationError(_("a group needs a Russian and an English name"))
    if AliasGroup.objects.filter(key=key).exists():
        raise ValidationError(_("an alias group with key %(key)s exists") % {"key": key})
    group = AliasGroup.objects.create(
        key=key, label_ru=label_ru, label_en=label_en, source=source, source_url=source_url
    )
    for text, lang in dict.fromkeys(((label_ru.strip(), "ru"), (label_en.strip(), "en"))):
        if group.names.filter(text=text).exists():
            continue  # the same spelling in both languages is one name
        _ensure_unique_key(text, group)
        AliasName.objects.create(group=group, text=text, lang=lang, added_by=acting_user)
    bump_generation()
    audit.record(
        actor=acting_user,
        action="designations.alias_group.create",
        obj=group,
        summary={"key": key, "label_ru": label_ru, "label_en": label_en, "source": source},
    )
    return group


@transaction.atomic
def alias_name_add(
    *, acting_user: User, group: AliasGroup, text: str, lang: str, kind: str = NameKind.NAME
) -> AliasName:
    access.require_reviewer(acting_user)
    text, lang, kind = _check_alias_name(text, lang, kind)
    existing = group.names.filter(text=text).first()
    if existing is not None:
        return existing  # already there: nothing changes, nothing to audit
    _ensure_unique_key(text, group)
    name = AliasName.objects.create(
        group=group, text=text, lang=lang, kind=kind, added_by=acting_user
    )
    bump_generation()
    audit.record(
        actor=acting_user,
        action="designations.alias.add",
        obj=group,
        summary={"group": group.key, "name": text, "lang": lang, "kind": kind},
    )
    return name


@transaction.atomic
def alias_name_remove(*, acting_user: User, name: AliasName) -> None:
    access.require_reviewer(acting_user)
    group = name.group
    summary = {"group": group.key, "name": name.text, "lang": name.lang}
    name.delete()
    bump_generation()
    audit.record(actor=acting_user, action="designations.alias.remove", obj=group, summary=summary)


@transaction.atomic
def load_builtin_aliases(path: Path = ALIAS_DATA) -> int:
    """Load the shipped alias groups (idempotent: groups are updated, names added)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    for item in data:
        group, _created = AliasGroup.objects.update_or_create(
            key=item["key"],
            defaults={
                "label_ru": item["label_ru"],
                "label_en": item["label_en"],
                "source": item["source"],
                "source_url": item.get("source_url", ""),
                "builtin": True,
            },
        )
        for name in item["names"]:
            AliasName.objects.update_or_create(
                group=group,
                text=name["name"],
                defaults={"lang": name["lang"], "kind": name.get("kind", NameKind.NAME)},
            )
    bump_generation()
    return len(data)


# --- judgements --------------------------------------------------------------------------------


@transaction.atomic
def judge(
    *,
    acting_user: User | None,
    left_uid: str,
    right_uid: str,
    verdict: str,
    score: float | None = None,
    auto: bool = False,
) -> Judgement:
    """Record a judgement on a pair; the pair's previous judgement is soft-deleted."""
    if acting_user is not None:
        access.require_reviewer(acting_user)
    if verdict not in Verdict.values:
        raise ValidationError(_("unknown judgement %(v)s") % {"v": verdict})
    left_uid, right_uid = sorted((left_uid, right_uid))
    if left_uid == right_uid:
        raise ValidationError(_("an entry cannot be judged against itself"))
    found = set(Entry.objects.filter(uid__in=[left_uid, right_uid]).values_list("uid", flat=True))
    if len(found) != 2:
        raise ValidationError(_("unknown entry in the pair"))
    if verdict == Verdict.POSITIVE:
        graph = queries.clusters()
        graph.negative.discard((left_uid, right_uid))
        if graph.blocked(left_uid, right_uid):
            raise ValidationError(
                _("these organisations contain entries judged different; undo that first")
            )
    now = timezone.now()
    Judgement.objects.current().pair(left_uid, right_uid).update(
        deleted_at=now, deleted_by=acting_user
    )
    judgement = Judgement.objects.create(
        left_uid=left_uid,
        right_uid=right_uid,
        verdict=verdict,
        score=score,
        auto=auto,
        user=acting_user,
        created_at=now,
    )
    bump_generation()
    audit.record(
        actor=acting_user,
        action="designations.judge",
        obj=judgement,
        summary={"left": left_uid, "right": right_uid, "verdict": verdict, "auto": auto},
    )
    return judgement


@transaction.atomic
def undo_judgement(*, acting_user: User, judgement: Judgement) -> Judgement:
    """Soft-delete a judgement; its pair returns to the review queue."""
    access.require_reviewer(acting_user)
    if judgement.deleted_at is not None:
        raise ValidationError(_("this judgement was already undone"))
    judgement.deleted_at = timezone.now()
    judgement.deleted_by = acting_user
    judgement.save(update_fields=["deleted_at", "deleted_by"])
    bump_generation()
    audit.record(
        actor=acting_user,
        action="designations.judge.undo",
        obj=judgement,
        summary={"left": judgement.left_uid, "right": judgement.right_uid},
    )
    return judgement


# --- harmonisation -----------------------------------------------------------------------------


@dataclass
class HarmoniseReport:
    entries: int
    pairs: int
    auto_merged: int
    queued: int
    blocked: int
    seconds: float


def entry_records(entries: Iterable[Entry]) -> list[Record]:
    return [
        Record(
            entry.uid,
            tuple(dict.fromkeys(p for n in entry.names.all() for p in prepare_all(n.text, n.kind))),
            entry.national_list.code,
        )
        for entry in entries
    ]


@transaction.atomic
def harmonise(
    *,
    acting_user: User | None,
    auto_threshold: float = DEFAULT_AUTO_THRESHOLD,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
    aliases: AliasStore | None = None,
) -> HarmoniseReport:
    """Find candidate pairs across lists with the blocking index; merge those above
    `auto_threshold` (unless a negative link forbids it), queue the rest for review."""
    if acting_user is not None:
        access.require_reviewer(acting_user)
    started = time.perf_counter()
    entries = queries.present_entries()
    records = entry_records(entries)
    store = aliases if aliases is not None else queries.build_alias_store()
    graph = queries.clusters()
    judged = set(Judgement.objects.current().values_list("left_uid", "right_uid"))
    # A pair whose judgement a person undid goes to review, never back to an automatic merge.
    undone = set(
        Judgement.objects.filter(deleted_by__isnull=False).values_list("left_uid", "right_uid")
    )
    pairs = auto = blocked = 0
    queue: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
    for left, right, result in find_pairs(records, store, min_score=review_threshold):
        pairs += 1
        pair = tuple(sorted((left.id, right.id)))
        if pair in judged or graph.find(pair[0]) == graph.find(pair[1]):
            continue
        if graph.blocked(*pair):
            blocked += 1
            continue
        automatic = result.score >= auto_threshold and pair not in undone
        if automatic and "qualifier_mismatch" not in result.features:
            Judgement.objects.create(
                left_uid=pair[0],
                right_uid=pair[1],
                verdict=Verdict.POSITIVE,
                score=result.score,
                auto=True,
            )
            graph.union(*pair)
            auto += 1
            continue
        features = {**result.features, "query": result.query_name, "matched": result.matched_name}
        queue[pair] = (result.score, features)  # type: ignore[index]
    Candidate.objects.all().delete()
    created = Candidate.objects.bulk_create(
        Candidate(left_uid=left, right_uid=right, score=score, features=features)
        for (left, right), (score, features) in queue.items()
        if graph.find(left) != graph.find(right)  # not joined since by an automatic merge
    )
    bump_generation()
    report = HarmoniseReport(
        entries=len(entries),
        pairs=pairs,
        auto_merged=auto,
        queued=len(created),
        blocked=blocked,
        seconds=round(time.perf_counter() - started, 2),
    )
    audit.record(
        actor=acting_user,
        action="designations.harmonise",
        object_type="designations.candidate",
        summary={
            "entries": report.entries,
            "pairs": report.pairs,
            "auto_merged": report.auto_merged,
            "queued": report.queued,
            "auto_threshold": auto_threshold,
        },
    )
    return report


# --- rounds ------------------------------------------------------------------------------------


@transaction.atomic
def round_open(*, acting_user: User, title: str = "") -> Round:
    """Open a round over every current gap. One round is open at a time."""
    access.require_secretariat(acting_user)
    if Round.objects.filter(closed_at__isnull=True).exists():
        raise ValidationError(_("a round is already open; close it first"))
    last = Round.objects.order_by("-number").first()
    number = (last.number + 1) if last else 1
    harmonisation_round = Round.objects.create(
        number=number, title=title or f"Round {number}", opened_by=acting_user
    )
    gaps = queries.gaps(queries.organisations())
    RoundItem.objects.bulk_create(
        RoundItem(
            round=harmonisation_round,
            organisation_id=org.id,
            name_ru=org.name_ru[:500],
            name_en=org.name_en[:500],
            entry_uids=org.uids,
            listed_by=org.listed_by,
            missing=[code for code in org.missing if code not in org.agreed],
        )
        for org in gaps
        if any(code not in org.agreed for code in org.missing)
    )
    audit.record(
        actor=acting_user,
        action="designations.round.open",
        obj=harmonisation_round,
        summary={"number": number, "items": harmonisation_round.items.count()},
    )
    return harmonisation_round


@transaction.atomic
def round_answer(
    *, acting_user: User, item: RoundItem, answer: str, reason: str = ""
) -> RoundAnswer:
    state = access.answerable_state(acting_user, item)
    if not item.round.is_open:
        raise ValidationError(_("this round is closed"))
    if answer not in Answer.values:
        raise ValidationError(_("unknown answer %(a)s") % {"a": answer})
    if answer == Answer.OBJECT and not reason.strip():
        raise ValidationError(_("an objection needs a reason"))
    row, _created = RoundAnswer.objects.update_or_create(
        item=item,
        state=state,
        defaults={
            "answer": answer,
            "reason": reason.strip(),
            "user": acting_user,
            "answered_at": timezone.now(),
        },
    )
    bump_generation()
    audit.record(
        actor=acting_user,
        action="designations.round.answer",
        obj=item,
        summary={
            "round": item.round.number,
            "organisation": item.organisation_id,
            "state": state.code,
            "answer": answer,
        },
    )
    return row


@transaction.atomic
def round_close(*, acting_user: User, harmonisation_round: Round) -> Round:
    access.require_secretariat(acting_user)
    if not harmonisation_round.is_open:
        raise ValidationError(_("this round is already closed"))
    harmonisation_round.closed_at = timezone.now()
    harmonisation_round.closed_by = acting_user
    harmonisation_round.save(update_fields=["closed_at", "closed_by"])
    audit.record(
        actor=acting_user,
        action="designations.round.close",
        obj=harmonisation_round,
        summary={"number": harmonisation_round.number},
    )
    return harmonisation_round


# --- publishing --------------------------------------------------------------------------------


@transaction.atomic
def publish(*, acting_user: User) -> Publication:
    """Freeze the single list as it stands into a new immutable version."""
    access.require_secretariat(acting_user)
    previous = queries.latest_publication()
    number = (previous.number + 1) if previous else 1
    audit_seq, audit_hash = audit.head()
    content = queries.snapshot(queries.organisations())
    now = timezone.now()
    content.update(
        version=number,
        published_at=now.isoformat(),
        published_by=acting_user.get_username(),
        audit_head={"seq": audit_seq, "hash": audit_hash},
    )
    diff = snapshots.diff(previous.content if previous else None, content)
    publication = Publication.objects.create(
        number=number,
        published_at=now,
        published_by=acting_user,
        audit_seq=audit_seq,
        audit_hash=audit_hash,
        content=content,
        content_hash=snapshots.content_hash(content),
        diff=diff,
        organisation_count=sum(1 for o in content["organisations"] if o["in_single_list"]),
    )
    audit.record(
        actor=acting_user,
        action="designations.publish",
        obj=publication,
        summary={
            "version": number,
            "content_hash": publication.content_hash,
            "organisations": publication.organisation_count,
            **diff["counts"],
        },
    )
    return publication


# --- screening ---------------------------------------------------------------------------------


@transaction.atomic
def screening_logged(*, acting_user: User, channel: str, count: int, matched: int) -> None:
    """Log that a screening happened: who, when, how many — never the names."""
    audit.record(
        actor=acting_user,
        action="designations.screen",
        object_type="designations.screening",
        summary={"channel": channel, "queries": count, "matched": matched},
    )
