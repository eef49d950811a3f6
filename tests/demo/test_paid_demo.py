"""`make demo PAID=1` (`masthead demo --paid`): localstripe starts beside the demo, the demo
publication gets its three plans and a paid post, and localstripe's signed webhooks reach the
demo's endpoint and pass its signature check."""

import json
import re
import sqlite3
import time
import urllib.request

import pytest

from tests.conftest import require_service
from tests.demo.test_demo_serves import running_demo
from tests.stripe_standin import is_installed


@pytest.fixture(scope="module")
def paid_demo(tmp_path_factory):
    require_service(is_installed(), "localstripe is not installed")
    data = tmp_path_factory.mktemp("paid-demo-data")
    with running_demo(data, "--paid") as (site, banner):
        yield site, data, banner


def rows(data, sql: str) -> list[tuple]:
    with sqlite3.connect(data / "masthead.sqlite3") as database:
        return database.execute(sql).fetchall()


def test_the_banner_says_how_to_pay(paid_demo):
    site, _, banner = paid_demo
    assert f"plans at {site}/subscribe/" in banner
    assert "4242 4242 4242 4242" in banner


def test_the_demo_has_three_plans_and_a_paid_post(paid_demo):
    _, data, _ = paid_demo
    plans = rows(data, "SELECT interval, amount FROM billing_plan WHERE is_active ORDER BY amount")
    assert plans == [("month", 800), ("year", 8000), ("founding", 15000)]
    assert rows(data, "SELECT count(*) FROM posts_post WHERE audience = 'paid'") == [(1,)]


def test_the_stand_ins_signed_webhooks_reach_the_demo(paid_demo):
    _, data, banner = paid_demo
    api_base = re.search(r"stand-in \((http://127\.0\.0\.1:\d+)\)", banner)[1]
    request = urllib.request.Request(
        f"{api_base}/v1/customers",
        data=b"email=webhook-check%40example.com",
        headers={"Authorization": "Bearer sk_test_masthead_demo"},
        method="POST",
    )
    customer = json.loads(urllib.request.urlopen(request, timeout=10).read())
    assert customer["id"].startswith("cus_")

    deadline = time.monotonic() + 20  # localstripe posts its events a second later
    while time.monotonic() < deadline:
        if rows(data, "SELECT type FROM billing_stripeevent") == [("customer.created",)]:
            break
        time.sleep(0.5)
    else:
        pytest.fail("localstripe's customer.created event never reached the demo")
