"""localstripe (a stateful fake Stripe server, from PyPI) on loopback, for `make demo PAID=1`:
the demo's card form, subscriptions and webhooks work without a Stripe account.

Run as `python -m masthead.demo.localstripe_server --port N`. Unlike `localstripe` itself it
listens on 127.0.0.1 only and keeps its store in memory (localstripe pickles it to a shared
/tmp file on every write); the demo creates its plans afresh at every start.

It also teaches localstripe 1.15 two things Stripe does that it lacks (teach_trials_and_coupons):
a subscription created with trial_period_days is "trialing", and one created with a coupon
carries that coupon's discount."""

import argparse
import time

DAY = 86_400


def localstripe_app():
    """localstripe's aiohttp application, its store kept in memory."""
    from localstripe import server
    from localstripe.resources import store

    type(store).dump_to_disk = lambda self: None
    teach_trials_and_coupons()
    return server.app


def teach_trials_and_coupons() -> None:
    """Stripe's documented behaviour, for exactly these two parameters of subscription create:

    - trial_period_days=N: status "trialing", trial_start now, trial_end N days on, no invoice
      yet (localstripe already skips it), and current_period_start/end are the trial's.
    - discounts=[{"coupon": id}] (or the older coupon=id): the coupon must exist (404 when not,
      400 when the shape is wrong), and the subscription's `discount` is
      {"object": "discount", "coupon": <the coupon>, "subscription": id, "start": now, "end": ...}.

    Idempotent: patching twice patches once."""
    from localstripe.resources import Coupon, Subscription, UserError

    if getattr(Subscription, "_masthead_taught", False):
        return
    original_init = Subscription.__init__
    period_start, period_end = Subscription.current_period_start, Subscription.current_period_end

    def __init__(self, *args, discounts=None, coupon=None, **kwargs):
        coupon_id = _coupon_id(discounts, coupon, UserError)
        found = Coupon._api_retrieve(coupon_id) if coupon_id else None  # 404 before creating
        original_init(self, *args, **kwargs)
        now = int(time.time())
        if found is not None:
            self.discount = _discount(found, self.id, now)
        days = self.trial_period_days
        if self.status == "incomplete" and (days or self.trial_end):
            self.trial_start = now
            self.trial_end = self.trial_end or now + days * DAY
            self.status = "trialing"

    Subscription.__init__ = __init__
    Subscription.current_period_start = _while_trialing(period_start, "trial_start")
    Subscription.current_period_end = _while_trialing(period_end, "trial_end")
    Subscription._masthead_taught = True


def _while_trialing(original: property, trial_field: str) -> property:
    """The trial's bound while trialing, localstripe's own period otherwise."""

    def read(self):
        if self.status == "trialing" and self.trial_end:
            return getattr(self, trial_field)
        return original.fget(self)

    return property(read)


def _coupon_id(discounts, coupon, user_error) -> str:
    if discounts in (None, "", []):
        if coupon in (None, ""):
            return ""
        if not isinstance(coupon, str):
            raise user_error(400, "Bad request")
        return coupon
    if coupon not in (None, ""):
        raise user_error(400, "You may only specify one of these parameters: coupon, discounts.")
    if not isinstance(discounts, list) or len(discounts) != 1 or not isinstance(discounts[0], dict):
        raise user_error(400, "Bad request")
    found = discounts[0].get("coupon")
    if not isinstance(found, str) or not found:
        raise user_error(400, "Bad request")
    return found


def _discount(coupon, subscription_id: str, now: int) -> dict:
    """Stripe's discount object: `end` is when a repeating coupon stops applying (null for once
    and forever)."""
    months = coupon.duration_in_months if coupon.duration == "repeating" else None
    return {
        "object": "discount",
        "id": f"di_{subscription_id[4:]}",
        "coupon": coupon._export(),
        "subscription": subscription_id,
        "start": now,
        "end": now + months * 30 * DAY if months else None,
        "promotion_code": None,
    }


def main(argv: list[str] | None = None) -> None:
    from aiohttp import web

    parser = argparse.ArgumentParser(prog="python -m masthead.demo.localstripe_server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    options = parser.parse_args(argv)
    web.run_app(localstripe_app(), host=options.host, port=options.port, print=None)


if __name__ == "__main__":
    main()
