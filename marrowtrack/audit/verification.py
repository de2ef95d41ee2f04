"""`audit verify`: walk every chain, compare its head row and the anchor file with it.

What each check catches: a changed entry (its hash), a deleted or reordered entry (the
sequence and the previous-hash link), a truncated tail or a head row moved back (the head
and the anchor), every entry deleted (the anchor still names the chain), and a full re-hash
(the anchored hash no longer matches).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from marrowtrack.audit.anchor import Anchor, anchors_read
from marrowtrack.audit.chain import GENESIS_HASH, entry_hash, hashed_fields
from marrowtrack.audit.models import AuditChainHead, AuditEvent
from marrowtrack.core.models import Clinic


@dataclass(frozen=True)
class LastVerified:
    sequence: int
    occurred_at: datetime
    entry_hash: str


@dataclass(frozen=True)
class ChainReport:
    key: str
    label: str
    checked: int
    last_verified: LastVerified | None
    anchored: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def summary(self) -> str:
        last = self.last_verified
        upto = (
            f"; last verified #{last.sequence} at {last.occurred_at:%Y-%m-%d %H:%M:%S%z}"
            if last
            else ""  # a chain the anchor names but the database no longer holds
        )
        state = f"BROKEN: {self.problem}" if self.problem else "intact"
        anchored = "not anchored" if self.anchored is None else f"anchored to #{self.anchored}"
        return f"{self.label}: {state}; {self.checked} entries verified{upto}; {anchored}"


@dataclass(frozen=True)
class VerifyResult:
    chains: list[ChainReport]

    @property
    def ok(self) -> bool:
        return all(chain.ok for chain in self.chains)

    @property
    def checked(self) -> int:
        return sum(chain.checked for chain in self.chains)

    @property
    def message(self) -> str:
        if not self.chains:
            return "audit trail intact: 0 entries verified (no chains)"
        broken = [chain for chain in self.chains if not chain.ok]
        if broken:
            return "; ".join(f"{c.label}: {c.problem}" for c in broken)
        return f"audit trail intact: {self.checked} entries verified in {len(self.chains)} chains"


def _problem(event: AuditEvent, expected: int, prev_hash: str, key: str) -> str | None:
    if event.sequence != expected:
        return f"entry #{expected} is missing (next entry found is #{event.sequence})"
    if event.prev_hash != prev_hash:
        return f"entry #{event.sequence} does not follow entry #{expected - 1} (reordered?)"
    if entry_hash(hashed_fields(event, chain_key=key), event.prev_hash) != event.entry_hash:
        return f"entry #{event.sequence} was altered (its hash does not match its contents)"
    return None


def _events(head: AuditChainHead) -> Iterator[AuditEvent]:
    # Bounded by the head as read: entries committed meanwhile are checked next time.
    events = AuditEvent.objects.filter(chain=head, sequence__lte=head.last_sequence)
    return events.order_by("sequence").iterator(chunk_size=2000)


@dataclass
class _Walk:
    checked: int = 0
    prev_hash: str = GENESIS_HASH
    last: LastVerified | None = None
    problem: str | None = None
    anchored_hash_seen: str | None = None


def _walk(head: AuditChainHead, anchor: Anchor | None) -> _Walk:
    walk = _Walk()
    for event in _events(head):
        walk.problem = _problem(event, walk.checked + 1, walk.prev_hash, head.key)
        if walk.problem:
            return walk
        if anchor is not None and event.sequence == anchor.sequence:
            walk.anchored_hash_seen = event.entry_hash
        walk.checked += 1
        walk.prev_hash = event.entry_hash
        walk.last = LastVerified(event.sequence, event.occurred_at, event.entry_hash)
    return walk


def _tail_problem(head: AuditChainHead, walk: _Walk, anchor: Anchor | None) -> str | None:
    if head.last_sequence != walk.checked or head.last_hash != walk.prev_hash:
        return (
            f"the chain head records #{head.last_sequence} but the entries end at "
            f"#{walk.checked}: entries were removed or the head was moved"
        )
    if anchor is None:
        return None
    if anchor.sequence > walk.checked:
        return (
            f"the anchor records entry #{anchor.sequence} but the entries end at "
            f"#{walk.checked}: the newest entries were removed"
        )
    if walk.anchored_hash_seen != anchor.entry_hash:
        return (
            f"entry #{anchor.sequence} does not match its anchored hash: "
            "the chain was rewritten and re-hashed"
        )
    return None


def chain_verify(head: AuditChainHead, anchor: Anchor | None) -> ChainReport:
    """Check one chain against its head row and its anchor (read before the head)."""
    walk = _walk(head, anchor)
    problem = walk.problem or _tail_problem(head, walk, anchor)
    if problem is None and anchor is None and walk.checked:
        problem = (
            f"{walk.checked} entries but the anchor has no line for this chain: run "
            "`marrowtrack audit anchor` once after upgrading; otherwise the anchor was "
            "removed or tampered with"
        )
    return ChainReport(
        key=head.key,
        label=_label(head),
        checked=walk.checked,
        last_verified=walk.last,
        anchored=anchor.sequence if anchor else None,
        problem=problem,
    )


def _label(head: AuditChainHead) -> str:
    if head.clinic is not None:
        return f"clinic {head.clinic.name} ({head.key})"
    return f"{head.key} chain"


def _missing_chain(key: str, anchor: Anchor) -> ChainReport:
    problem = (
        f"the anchor records entry #{anchor.sequence} of chain {key}, "
        "but the chain and all its entries are gone"
    )
    return ChainReport(key, f"chain {key}", 0, None, anchor.sequence, problem)


def _orphans(heads: list[AuditChainHead]) -> list[ChainReport]:
    # Only possible with foreign keys switched off: entries whose head row was deleted.
    orphaned = (
        AuditEvent.objects.exclude(chain_id__in=[head.pk for head in heads])
        .values_list("chain_id", flat=True)
        .distinct()
    )
    problem = "entries remain but the chain head row was deleted"
    return [ChainReport(f"#{pk}", f"chain row {pk}", 0, None, None, problem) for pk in orphaned]


def audit_verify(*, clinic: Clinic | None = None) -> VerifyResult:
    """Verify one clinic's chain, or every chain (and every chain the anchor names)."""
    anchors = anchors_read() or {}
    heads = AuditChainHead.objects.select_related("clinic").order_by("key")
    if clinic is not None:
        heads = heads.filter(key=str(clinic.public_id))
    heads = list(heads)
    reports = [chain_verify(head, anchors.get(head.key)) for head in heads]
    seen = {report.key for report in reports}
    wanted = [str(clinic.public_id)] if clinic is not None else list(anchors)
    missing = [key for key in wanted if key in anchors and key not in seen]
    reports += [_missing_chain(key, anchors[key]) for key in missing]
    if clinic is None:
        reports += _orphans(heads)
    return VerifyResult(reports)


def audit_anchor_heads() -> int:
    """Anchor every chain's current head (once, after upgrading to anchored chains)."""
    from marrowtrack.audit.anchor import anchor_append

    heads = list(AuditChainHead.objects.filter(last_sequence__gt=0))
    for head in heads:
        anchor_append(chain_key=head.key, sequence=head.last_sequence, entry_hash=head.last_hash)
    return len(heads)
