"""Subject tests: a sample gets up to four subject lines, the winner goes to everyone else."""


def decide_due_tests() -> int:
    """Pick the winner of every test whose time has come and release the rest; returns how many."""
    return 0
