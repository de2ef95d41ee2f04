"""The demo clinic: synthetic, deterministic data for a first run and for browser tests.

Each later feature adds its own step to `STEPS` (a dotted path to `seed(context)`).
"""
