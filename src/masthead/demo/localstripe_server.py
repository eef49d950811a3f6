"""localstripe (a stateful fake Stripe server, from PyPI) on loopback, for `make demo PAID=1`:
the demo's card form, subscriptions and webhooks work without a Stripe account.

Run as `python -m masthead.demo.localstripe_server --port N`. Unlike `localstripe` itself it
listens on 127.0.0.1 only and keeps its store in memory (localstripe pickles it to a shared
/tmp file on every write); the demo creates its plans afresh at every start."""

import argparse


def localstripe_app():
    """localstripe's aiohttp application, its store kept in memory."""
    from localstripe import server
    from localstripe.resources import store

    type(store).dump_to_disk = lambda self: None
    return server.app


def main(argv: list[str] | None = None) -> None:
    from aiohttp import web

    parser = argparse.ArgumentParser(prog="python -m masthead.demo.localstripe_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    options = parser.parse_args(argv)
    web.run_app(localstripe_app(), host=options.host, port=options.port, print=None)


if __name__ == "__main__":
    main()
