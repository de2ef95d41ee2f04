"""Provenance: one electronic signature (21 CFR 11.50) on the record it signs."""

from __future__ import annotations

from typing import Any

from marrowtrack.interop.fhir.base import Names, Resource, concept, instant, local, pruned, ref


def provenance(
    signature: Any,
    *,
    names: Names,
    target: tuple[str, object] | list[tuple[str, object]],
    signer_id: object,
) -> Resource:
    """Who signed what, when and with what meaning; the signed content's SHA-256 comes along
    so a receiver can tell the signature belongs to exactly that version of the record.
    One signature is one Provenance, whatever it covers (a release signs every syringe of
    its run: one target each)."""
    targets = target if isinstance(target, list) else [target]
    meaning = local(names, "signature-meaning", signature.meaning, signature.get_meaning_display())
    signed_hash = {
        "url": f"{names.namespace}/StructureDefinition/signed-content-sha256",
        "valueString": signature.record_hash,
    }
    return pruned(
        {
            "resourceType": "Provenance",
            "id": str(signature.public_id),
            "extension": [signed_hash],
            "target": [ref(*each) for each in targets],
            "recorded": instant(signature.signed_at),
            "activity": concept(meaning),
            "agent": [{"who": ref("Practitioner", signer_id, signature.printed_name)}],
            "signature": [
                {
                    "type": [meaning.fhir()],
                    "when": instant(signature.signed_at),
                    "who": ref("Practitioner", signer_id, signature.printed_name),
                }
            ],
            "reason": [{"text": signature.statement}] if signature.statement else [],
        }
    )
