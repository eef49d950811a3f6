"""The tests' Stripe: the demo's localstripe (masthead.demo.localstripe_server: loopback, store in
memory) with one control localstripe lacks, setting a subscription's status, to play the parts of
Stripe's billing that run on its clock (a renewal whose card fails goes past_due; dunning that
runs out ends it as unpaid). Run as `python -m tests.localstripe_plus --port N`.

POST /_test/subscriptions/<id>/status with status=<Stripe status> sets it; the application never
calls this route."""

from aiohttp import web

from masthead.demo.localstripe_server import localstripe_app, main

STATUSES = {"trialing", "active", "past_due", "unpaid", "canceled", "paused"}


async def set_status(request):
    from localstripe.resources import Subscription

    data = await request.post()
    status = data.get("status", "")
    if status not in STATUSES:
        return web.json_response({"error": {"message": "unknown status"}}, status=400)
    subscription = Subscription._api_retrieve(request.match_info["id"])
    subscription.status = status
    return web.json_response(subscription._export())


localstripe_app().router.add_post("/_test/subscriptions/{id}/status", set_status)

if __name__ == "__main__":
    main()
