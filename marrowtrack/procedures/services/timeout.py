"""Universal-protocol time-outs: every item true, signed by everyone present
(docs/reference.md §1)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from marrowtrack.accounts.access import user_roles
from marrowtrack.accounts.models import User
from marrowtrack.core import clock
from marrowtrack.core.exceptions import DomainError, SafetyRefusal, ValidationFailed
from marrowtrack.core.models import Clinic
from marrowtrack.esign.services import signature_sign
from marrowtrack.procedures.models import ProcedureEncounter, TimeOut
from marrowtrack.procedures.safety import PREP_AGENTS, encounter_safety
from marrowtrack.procedures.states import TEAM_ROLES, ProcedureState

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


def timeout_sign(*, encounter: ProcedureEncounter, by: User, data: Mapping[str, Any]) -> TimeOut:
    """Create the time-out with its checklist and one e-signature per person present.

    The checklist also records the skin-prep agent confirmed (refused when the patient is
    allergic to it). Runs inside ``encounter_transition``'s transaction: one wrong password
    signs nothing.
    """
    checklist = data.get("checklist") or {}
    missing = [label for key, label in TimeOut.ITEMS.items() if checklist.get(key) is not True]
    if missing:
        raise ValidationFailed({"checklist": [f"Not confirmed: {label}." for label in missing]})
    prep_agent = _prep_agent(encounter, data)
    signers: list[Signer] = list(data.get("signers") or [])
    _check_signers(encounter, by, signers)
    number = 2 if encounter.current == ProcedureState.RELEASED else 1
    timeout = TimeOut.objects.create(
        encounter=encounter,
        number=number,
        checklist={**dict.fromkeys(TimeOut.ITEMS, True), "prep_agent": prep_agent},
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
