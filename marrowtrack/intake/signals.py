"""Signals that let other apps react to a plan's milestones without intake knowing them."""

from django.dispatch import Signal

# Sent inside the transaction that approves a plan (the eligibility decision): kwargs plan, by.
# Outcomes opens the baseline survey on it, so the baseline can be sent before treatment.
plan_approved = Signal()

# Sent inside the transaction that marks a plan treated: kwargs plan, by.
# Outcomes creates the follow-up schedule on it (so both commit or neither does).
plan_treated = Signal()
