"""localstripe with one control it lacks: setting a subscription's status, to play the parts of
Stripe's billing that run on its clock (a renewal whose card fails goes past_due; dunning that
runs out ends it as unpaid). Run as `python -m tests.localstripe_plus --port N --from-scratch`.

POST /_test/subscriptions/<id>/status with status=<Stripe status> sets it; the application never
calls this route. The store is kept in memory only."""

from aiohttp import web
from localstripe import server
from localstripe.resources import Subscription, store

STATUSES = {"trialing", "active", "past_due", "unpaid", "canceled", "paused"}


async def set_status(request):
    data = await request.post()
    status = data.get("status", "")
    if status not in STATUSES:
        return web.json_response({"error": {"message": "unknown status"}}, status=400)
    subscription = Subscription._api_retrieve(request.match_info["id"])
    subscription.status = status
    return web.json_response(subscription._export())


# localstripe pickles its whole store to /tmp/localstripe.pickle on every write: slow, and shared
# by every localstripe on the machine. The tests start each one from scratch anyway.
type(store).dump_to_disk = lambda self: None
server.app.router.add_post("/_test/subscriptions/{id}/status", set_status)

if __name__ == "__main__":
    server.start()
