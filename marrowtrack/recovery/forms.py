"""Recovery forms: the check-in questions (the portal uses them too), tasks, adverse
events. Check-in labels are patient-facing and translated; staff labels are English."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from marrowtrack.core.forms import VersionedFormMixin
from marrowtrack.esign.forms import SignatureFieldsMixin
from marrowtrack.recovery import adverse

PAIN = [(str(n), str(n)) for n in range(11)]


class CheckInForm(forms.Form):
    """The first-week questions (recovery.answers checks them again in the service)."""

    treated_pain = forms.ChoiceField(
        label=_("Pain at the treated area now (0 = none, 10 = worst you can imagine)"),
        choices=PAIN,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
    )
    harvest_pain = forms.ChoiceField(
        label=_("Pain at the hip where the marrow was taken (0-10)"),
        choices=PAIN,
        widget=forms.RadioSelect(attrs={"class": "scale"}),
    )
    temperature = forms.DecimalField(
        label=_("Your temperature, if you have taken it"),
        required=False,
        max_digits=4,
        decimal_places=1,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    temperature_unit = forms.ChoiceField(
        label=_("Unit"), choices=[("C", "°C"), ("F", "°F")], initial="C", widget=forms.RadioSelect
    )
    feverish = forms.BooleanField(label=_("I feel feverish or shivery"), required=False)
    redness = forms.ChoiceField(
        label=_("Redness around a needle site"),
        choices=[
            ("none", _("None")),
            ("around_puncture", _("A small pink area around the needle mark")),
            ("spreading", _("Redness that is spreading, or red streaks")),
        ],
        initial="none",
        widget=forms.RadioSelect,
    )
    swelling = forms.ChoiceField(
        label=_("Swelling"),
        choices=[
            ("none", _("None")),
            ("mild", _("A little swelling")),
            ("harvest_growing", _("Swelling at the hip that is growing or feels tight")),
            ("hot_joint", _("The treated joint is hot and swollen")),
        ],
        initial="none",
        widget=forms.RadioSelect,
    )
    cannot_bear_weight = forms.BooleanField(
        label=_("I cannot put weight on, or use, the treated limb"), required=False
    )
    drainage = forms.ChoiceField(
        label=_("Fluid from a needle site"),
        choices=[
            ("none", _("None")),
            ("clear", _("A little clear or pink fluid")),
            ("pus", _("Pus (thick, yellow or green)")),
        ],
        initial="none",
        widget=forms.RadioSelect,
    )
    bleeding = forms.ChoiceField(
        label=_("Bleeding"),
        choices=[
            ("none", _("None")),
            ("stopped", _("Some oozing that stopped with pressure")),
            ("not_stopping", _("Bleeding that does not stop after 10-15 minutes of pressure")),
        ],
        initial="none",
        widget=forms.RadioSelect,
    )
    new_numbness_or_weakness = forms.BooleanField(
        label=_("New numbness or weakness in a leg or arm"), required=False
    )
    signs = forms.MultipleChoiceField(
        label=_("Do you have any of these?"),
        required=False,
        choices=[
            ("chest_pain", _("Chest pain")),
            ("breathless", _("Shortness of breath")),
            ("hives", _("Hives, or swelling of the face, lips or tongue")),
            ("bowel_bladder", _("New trouble with bowel or bladder, or numbness between the legs")),
            ("headache_upright", _("A headache that is worse sitting or standing up")),
            ("calf_swelling", _("A swollen, painful calf")),
        ],
        widget=forms.CheckboxSelectMultiple,
    )
    nsaids_taken = forms.BooleanField(
        label=_("Since the last check-in I took an anti-inflammatory medicine (e.g. ibuprofen)"),
        required=False,
    )
    wants_call = forms.BooleanField(label=_("I would like a nurse to call me"), required=False)
    note = forms.CharField(
        label=_("Anything else you want to tell us"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, harvest: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not harvest:
            del self.fields["harvest_pain"]
            self.fields["swelling"].choices = [
                c for c in self.fields["swelling"].choices if c[0] != "harvest_growing"
            ]


class ResolveForm(forms.Form):
    note = forms.CharField(
        label="What was done",
        help_text="The call, the advice given, the plan (e.g. seen in clinic tomorrow).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class StopForm(forms.Form):
    reason = forms.CharField(label="Why stop the check-ins", max_length=300)


class ContactPreferenceForm(forms.Form):
    channel = forms.ChoiceField(
        label="Messages by",
        choices=[("sms", "Text message (SMS)"), ("email", "Email"), ("none", "No messages")],
    )


def _choices(table: dict) -> list[tuple]:
    return list(table.items())


class AdverseEventForm(VersionedFormMixin, forms.Form):
    event_type = forms.ChoiceField(
        label="Type", choices=[("", "Choose…"), *_choices(adverse.TYPES)]
    )
    event_type_other = forms.CharField(label="Type, if other", required=False, max_length=120)
    site = forms.ChoiceField(label="Site", choices=[("", "Choose…"), *_choices(adverse.SITES)])
    onset_on = forms.DateField(label="Onset", widget=forms.DateInput(attrs={"type": "date"}))
    grade = forms.TypedChoiceField(
        label="Grade (CTCAE v5.0)",
        coerce=int,
        choices=[("", "Choose…"), *_choices(adverse.GRADES)],
        help_text="1 mild · 2 moderate · 3 severe or medically significant · "
        "4 life-threatening · 5 death",
    )
    serious = forms.BooleanField(label="Serious (ICH E2A)", required=False)
    serious_criteria = forms.MultipleChoiceField(
        label="Serious because",
        required=False,
        choices=_choices(adverse.SERIOUS_CRITERIA),
        widget=forms.CheckboxSelectMultiple,
    )
    relatedness = forms.ChoiceField(
        label="Related to the procedure",
        choices=[("", "Choose…"), *_choices(adverse.RELATEDNESS)],
    )
    actions = forms.MultipleChoiceField(
        label="Actions taken",
        required=False,
        choices=_choices(adverse.ACTIONS),
        widget=forms.CheckboxSelectMultiple,
    )
    actions_detail = forms.CharField(label="Action details", required=False, max_length=300)
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("", "Choose…"), *_choices(adverse.OUTCOMES)]
    )
    resolved_on = forms.DateField(
        label="Resolved on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(label="What happened", widget=forms.Textarea(attrs={"rows": 4}))


class SignForm(SignatureFieldsMixin):
    pass


class AddendumForm(forms.Form):
    text = forms.CharField(label="New information", widget=forms.Textarea(attrs={"rows": 3}))
    outcome = forms.ChoiceField(
        label="Outcome now (if it changed)",
        required=False,
        choices=[("", "Unchanged"), *_choices(adverse.OUTCOMES)],
    )
    resolved_on = forms.DateField(
        label="Resolved on", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
