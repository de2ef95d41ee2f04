"""Outcome pages: staff (dashboard, plan chart, transcription) and the patient portal."""
