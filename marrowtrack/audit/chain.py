"""Pure hash-chain arithmetic for audit entries: canonical form and entry hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64

# Version 1: the fields hashed before named actions and per-clinic chains (legacy chain).
V1_FIELDS = (
    "sequence",
    "actor_id",
    "actor_label",
    "clinic_id",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "changes",
    "reason",
)
# Version 2 adds the chain, the name and `extra`.
V2_FIELDS = (*V1_FIELDS, "name", "extra")


def canonical_timestamp(value: datetime) -> str:
    return value.isoformat(timespec="microseconds")


def hashed_fields(event: Any, *, chain_key: str) -> dict[str, Any]:
    """The entry's fields that its hash covers, by its hash version."""
    names = V1_FIELDS if event.hash_version == 1 else V2_FIELDS
    fields = {name: getattr(event, name) for name in names}
    fields["occurred_at"] = canonical_timestamp(event.occurred_at)
    if event.hash_version != 1:
        fields["chain"] = chain_key
    return fields


def entry_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """SHA-256 over the previous hash and the entry's fields in a canonical JSON form."""
    payload = json.dumps(
        {"prev": prev_hash, **fields}, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
