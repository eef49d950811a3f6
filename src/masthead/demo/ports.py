"""Which ports the demo's processes may listen on, checked before they start, so that a port
another program holds ends the demo with one line that says what to change, not a traceback."""

import socket


class PortTaken(Exception):
    """A port the demo needs is in use; the message is the one line to show."""


def is_port_free(host: str, port: int) -> bool:
    try:
        family, _, _, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror:
        return True  # not ours to judge: the server itself says what is wrong with the host
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # SO_REUSEADDR as servers set it: a port left in TIME_WAIT by the last run is free to
        # them, one that something listens on is not.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError:
            return False
    return True


def any_free_port(host: str) -> int:
    """A port the system has free now (port 0 asks it for one)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def suggest_demo_port(host: str, taken: int) -> int | None:
    """A PORT whose PORT and PORT+1 are both free, near the one that was not."""
    for candidate in range(taken + 10, taken + 200, 10):
        if candidate + 1 < 65536 and all(is_port_free(host, p) for p in (candidate, candidate + 1)):
            return candidate
    return None


def check_demo_ports(host: str, port: int) -> None:
    """The web port (PORT) and the chat's (PORT+1) must be free: pages are told where both are."""
    for needed, what in (
        (port, "the web server's (PORT)"),
        (port + 1, "the chat server's (PORT+1)"),
    ):
        if not is_port_free(host, needed):
            suggestion = suggest_demo_port(host, port)
            other = f" PORT={suggestion}" if suggestion else " PORT=<another port>"
            raise PortTaken(
                f"masthead demo: port {needed}, {what}, is in use by another program. "
                f"Start the demo on another port: make demo{other} "
                f"(or masthead demo --port {suggestion or '<another port>'})."
            )


def choose_sink_port(host: str, port: int, configured: str) -> int:
    """The mail sink's port: MASTHEAD_MAIL_SINK_PORT when it is set (and then it must be free),
    else PORT+2, else any free port. Another demo, Mailpit or MailHog may hold 8025."""
    if configured:
        try:
            wanted = int(configured)
        except ValueError:
            raise PortTaken(
                f"masthead demo: MASTHEAD_MAIL_SINK_PORT must be a port number, not {configured!r}."
            ) from None
        if not is_port_free(host, wanted):
            raise PortTaken(
                f"masthead demo: port {wanted}, the mail sink's (MASTHEAD_MAIL_SINK_PORT), is in use "
                "by another program. Set MASTHEAD_MAIL_SINK_PORT to a free port, or unset it and "
                "the demo picks one."
            )
        return wanted
    if port + 2 < 65536 and is_port_free(host, port + 2):
        return port + 2
    return any_free_port(host)
