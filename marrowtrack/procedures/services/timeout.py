"""Universal-protocol time-outs: every item true, signed by everyone present
(docs/reference.md §1).

Each time-out keeps what the team saw (the allergies and blood thinners on record). When
the patient's allergies or blood-thinner record change after the last time-out, the next
needle step (harvest, bedside verification, injection) is refused until the time-out is
repeated (``timeout_repeat``), which shows the record as it is now (ADR 0024).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q

from marrowtrack.accounts.access import require_role, require_same_clinic, user_roles
from marrowtrack.accounts.models import User
from marrowtrack.audit.models import AuditAction
from marrowtrack.audit.refusals import audited_refusals
from marrowtrack.audit.services import event_record
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.esign.services import signature_sign
from marrowtrack.patients.models import Allergy, Medication
from marrowtrack.procedures.models import ProcedureEncounter, TimeOut
from marrowtrack.procedures.safety import PREP_AGENTS, encounter_safety
from marrowtrack.procedures.states import TEAM_ROLES, TERMINAL_STATES, ProcedureState

Signer = tuple[User, str]
MIN_SIGNERS = 2


def signers_resolve(*, clinic: Clinic, entries: Iterable[Mapping[str, str]]) -> list[Signer]:
    """Turn ``[{"username", "password"}]`` (blank rows skipped) into signer pairs."""
    signers: list[Signer] = []
    for entry in entries:
        username = (entry.get("username") or "").strip()
        if not username:
            continue
        user = User.objects.filter(username=username, clinic=clinic, is_active=True).first()
        if user is None:
            raise ValidationFailed({"signers": [f"No staff member {username!r} in this clinic."]})
        signers.append((user, entry.get("password") or ""))
    return signers


def _check_signers(encounter: ProcedureEncounter, by: User, signers: list[Signer]) -> None:
    users = [user for user, _ in signers]
    if by not in users:
        raise ValidationFailed({"signers": ["The person recording the time-out must sign it."]})
    if len({user.pk for user in users}) != len(users):
        raise ValidationFailed({"signers": ["Each person signs once."]})
    if len(users) < MIN_SIGNERS:
        raise ValidationFailed({"signers": ["Everyone present signs: at least two people."]})
    for user in users:
        if user.clinic_id != encounter.clinic_id or not user_roles(user) & TEAM_ROLES:
            raise DomainError(f"{user.printed_name} cannot sign a time-out in this clinic.")


def _prep_agent(encounter: ProcedureEncounter, data: Mapping[str, Any]) -> str:
    """The skin-prep agent the team confirms: one the patient's allergies allow."""
    safety = encounter_safety(encounter)
    labels = {agent.code: agent.label for agent in PREP_AGENTS}
    chosen = str(data.get("prep_agent") or "")
    if chosen not in labels:
        advised = safety.prep_agent.label if safety.prep_agent else "one the allergies allow"
        raise ValidationFailed({"prep_agent": [f"Confirm the skin prep agent: {advised}."]})
    if chosen in safety.contraindicated:
        allergies = ", ".join(a.substance for a in safety.allergies)
        advised = safety.prep_agent.label if safety.prep_agent else "no listed agent"
        raise SafetyRefusal(
            f"{labels[chosen]} is refused: the patient is allergic ({allergies}). Use {advised}."
        )
    return chosen


def record_seen(encounter: ProcedureEncounter) -> dict[str, list[str]]:
    """The allergies and blood thinners on record now, as a time-out keeps them."""
    safety = encounter_safety(encounter)
    return {
        "allergies_seen": [f"{a.substance} ({a.category})" for a in safety.allergies],
        "blood_thinners_seen": [f"{t.name} ({t.drug_class})" for t in safety.blood_thinners],
    }


BLOOD_THINNER_CLASSES = (Medication.DrugClass.ANTICOAGULANT, Medication.DrugClass.ANTIPLATELET)


def _changed_since(at: datetime) -> Q:
    return Q(created_at__gt=at) | Q(updated_at__gt=at)


def record_changes_since_timeout(encounter: ProcedureEncounter) -> list[str]:
    """What changed in the patient's allergies or blood thinners after the encounter's
    last time-out, in words; empty when nothing did (or no time-out was held yet)."""
    last = encounter.timeouts.order_by("-at", "-pk").first()
    if last is None:
        return []
    patient, clinic = encounter.patient, encounter.clinic
    changes = []
    for allergy in Allergy.objects.filter(_changed_since(last.at), patient=patient):
        what = "removed" if allergy.is_archived else "recorded"
        at = clock.localtime(allergy.updated_at, clinic)
        changes.append(f"allergy {what} at {at:%H:%M}: {allergy.substance}")
    thinners = Medication.objects.filter(
        _changed_since(last.at), patient=patient, drug_class__in=BLOOD_THINNER_CLASSES
    )
    for medicine in thinners:
        at = clock.localtime(medicine.updated_at, clinic)
        changes.append(f"blood thinner record changed at {at:%H:%M}: {medicine.name}")
    return changes


def require_timeout_current(encounter: ProcedureEncounter) -> None:
    """Hard stop before a needle step when the record changed after the last time-out."""
    changes = record_changes_since_timeout(encounter)
    if changes:
        raise SafetyRefusal(
            "STOP: the patient's record changed after the last time-out ("
            + "; ".join(changes)
            + "). Repeat the time-out with the team before the next needle step."
        )


def _timeout_create(
    encounter: ProcedureEncounter,
    by: User,
    data: Mapping[str, Any],
    number: int,
    extra: Mapping[str, Any],
) -> TimeOut:
    checklist = data.get("checklist") or {}
    missing = [label for key, label in TimeOut.ITEMS.items() if checklist.get(key) is not True]
    if missing:
        raise ValidationFailed({"checklist": [f"Not confirmed: {label}." for label in missing]})
    prep_agent = _prep_agent(encounter, data)
    signers: list[Signer] = list(data.get("signers") or [])
    _check_signers(encounter, by, signers)
    timeout = TimeOut.objects.create(
        encounter=encounter,
        number=number,
        checklist={
            **dict.fromkeys(TimeOut.ITEMS, True),
            "prep_agent": prep_agent,
            **record_seen(encounter),
            **extra,
        },
        at=clock.now(),
    )
    content = {"encounter": str(encounter.public_id), "number": number, **timeout.checklist}
    for user, password in signers:
        signature = signature_sign(
            user=user,
            password=password,
            meaning="verified",
            record=timeout,
            content=content,
            statement=f"Time-out {number}: I was present and confirm every item.",
            patient_public_id=encounter.patient.public_id,
        )
        timeout.signatures.add(signature)
    return timeout


def timeout_sign(*, encounter: ProcedureEncounter, by: User, data: Mapping[str, Any]) -> TimeOut:
    """Create the time-out with its checklist and one e-signature per person present.

    The checklist also records the skin-prep agent confirmed (refused when the patient is
    allergic to it) and the allergies and blood thinners the team saw. Runs inside
    ``encounter_transition``'s transaction: one wrong password signs nothing.
    """
    number = 2 if encounter.current == ProcedureState.RELEASED else 1
    return _timeout_create(encounter, by, data, number, {})


def timeout_repeat(*, encounter: ProcedureEncounter, by: User, data: Mapping[str, Any]) -> TimeOut:
    """Hold the last time-out again, without moving the day, after the patient's record
    changed: same checklist and signatures, with the record as it is now. Audited."""
    require_same_clinic(by, encounter.clinic_id)
    require_role(by, TEAM_ROLES, "repeat a time-out")
    with audited_refusals(by=by, target=encounter, patient_public_id=encounter.patient.public_id):
        with transaction.atomic():
            locked = ProcedureEncounter.objects.select_for_update().get(pk=encounter.pk)
            last = locked.timeouts.order_by("-at", "-pk").first()
            if last is None or locked.current in TERMINAL_STATES:
                raise DomainError("There is no time-out to repeat on this procedure day.")
            changes = record_changes_since_timeout(locked)
            extra = {"repeat_of": str(last.public_id), "changes": changes}
            timeout = _timeout_create(locked, by, data, last.number, extra)
            event_record(
                actor=by,
                action=AuditAction.CREATE,
                target=timeout,
                changes={"repeat_of": [None, str(last.public_id)]},
                extra=record_seen(locked),
                reason="; ".join(changes) or "Time-out repeated",
                patient_public_id=locked.patient.public_id,
            )
    return timeout
