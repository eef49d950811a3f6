"""Automations: emails that send themselves (welcome sequence, paid upgrade, win-back, digest)."""


def run_due_automations() -> int:
    """Queue what is due now; returns how many emails were queued."""
    return 0
