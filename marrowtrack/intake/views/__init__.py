"""Intake pages, one module per concern; each view parses, authorizes, calls one service."""
