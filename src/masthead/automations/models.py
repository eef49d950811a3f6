"""Automations' models (filled in by issue 18's automations work)."""
