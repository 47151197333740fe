"""Published versions of the single list, compared and fingerprinted. Pure: nothing here touches
the database.

A snapshot is the JSON-serialisable content of one published version: its header (`version`,
`published_at`, `published_by`, `audit_head`), the member `states`, and the `organisations`
(clusters of national entries denoting the same organisation, with their recognition matrix).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

# Header keys that say when, by whom and under which number a content was published; two
# publications of the same content differ only in these, so the content hash leaves them out.
HEADER_KEYS = frozenset({"published_at", "published_by", "audit_head", "version"})

# Keys that identify an organisation in a diff rather than describe a change of it.
_SUMMARY_KEYS = ("id", "name_ru", "name_en")
_NOT_COMPARED = frozenset({"id", "in_single_list"})


def canonical_json(value: Any) -> str:
    """The one spelling of a JSON value: sorted keys, no whitespace, characters as they are."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(snapshot: dict[str, Any]) -> str:
    """SHA-256 (hex) of the snapshot's canonical JSON without its publication header.

    Equal for two versions that publish the same states and organisations, whenever and by
    whomever they were published.
    """
    content = {key: value for key, value in snapshot.items() if key not in HEADER_KEYS}
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


def single_list(snapshot: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The organisations of the single list (`in_single_list` true), by id."""
    if snapshot is None:
        return {}
    return {
        org["id"]: org for org in snapshot.get("organisations", ()) if org.get("in_single_list")
    }


def _comparable(value: Any) -> Any:
    """A field value with the order of list items made irrelevant (a republished cluster may list
    the same names or entries in another order without anything having changed)."""
    if isinstance(value, list):
        return sorted(canonical_json(item) for item in value)
    return canonical_json(value)


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Names of the fields (sorted) whose values differ between two versions of an organisation;
    a field present in only one of them counts as changed."""
    keys = (old.keys() | new.keys()) - _NOT_COMPARED
    return sorted(
        key
        for key in keys
        if key not in old or key not in new or _comparable(old[key]) != _comparable(new[key])
    )


def _summary(org: dict[str, Any]) -> dict[str, Any]:
    return {key: org.get(key, "") for key in _SUMMARY_KEYS}


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """What changed in the single list from `old` to `new` (`old=None`: the first version).

    Returns `{"added": [...], "removed": [...], "changed": [...], "counts": {...}}`. Items are
    `{"id", "name_ru", "name_en"}` (names as in `new`, or in `old` for removed ones); changed items
    also carry `"fields"`, the sorted names of the fields that differ. Every list is sorted by id.
    An organisation that left the single list (delisted or no longer in consensus) is removed;
    one that entered it is added. `counts["total"]` is the size of the new single list.
    """
    before, after = single_list(old), single_list(new)
    added = [_summary(after[key]) for key in sorted(after.keys() - before.keys())]
    removed = [_summary(before[key]) for key in sorted(before.keys() - after.keys())]
    changed = []
    for key in sorted(after.keys() & before.keys()):
        fields = changed_fields(before[key], after[key])
        if fields:
            changed.append({**_summary(after[key]), "fields": fields})
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "counts": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "total": len(after),
        },
    }
