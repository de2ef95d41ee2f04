"""Writes for intake, one module per concern. Each validates, saves and audits in one
transaction (style.md 4.2 rule 6)."""
