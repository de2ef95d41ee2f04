"""The bedside: verifying and injecting each syringe, and what each target received.
Pages (``views``), endpoints (``api``) and reads (``selectors``) around the one service,
``procedures.services.bedside``."""
