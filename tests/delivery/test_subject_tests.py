"""Subject tests: the sample's split, held deliveries, the decision from real opens and clicks,
the winner reaching everyone else through the real worker and SMTP server."""

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.utils import timezone

from masthead.delivery.models import Delivery, DeliveryState, Send
from masthead.delivery.services import subject_tests
from masthead.delivery.services.fan_out import set_tracking
from masthead.delivery.services.subject_tests import decide_due_tests, decide_test, plan_test
from masthead.posts.models import Post, PostStatus
from masthead.posts.services import publish_post
from tests import factories
from tests.delivery.conftest import add_subscriber

pytestmark = pytest.mark.django_db

LINES = ["First line wins?", "Second line", "Third line"]


def make_draft(publication, **email_options):
    post = factories.make_post(
        publication,
        "The title",
        status=PostStatus.DRAFT,
        body="Read [the docs](https://example.com/docs) today.",
    )
    Post.objects.filter(id=post.id).update(**email_options)
    post.refresh_from_db()
    return post


def add_readers(publication, count: int) -> list[str]:
    emails = [f"r{n}@example.com" for n in range(count)]
    for email in emails:
        add_subscriber(publication, email)
    return emails


def draft_with_test(publication, lines=LINES, percent=50, hours=4, metric="opens"):
    return make_draft(
        publication,
        email_subject=lines[0],
        subject_test_lines=lines[1:],
        subject_test_sample_percent=percent,
        subject_test_wait_hours=hours,
        subject_test_metric=metric,
    )


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def pixel_path(message) -> str:
    return path_of(re.search(r'<img src="([^"]+/t/o/[^"]+\.gif)"', message.html).group(1))


def click_path(message) -> str:
    return path_of(re.search(r'href="([^"]+/t/c/[^"]+)"', message.html).group(1))


def sample_emails(variant: int) -> list[str]:
    return list(Delivery.objects.filter(variant=variant).values_list("email", flat=True))


def after_the_wait(hours: float = 4.01):
    return time_machine.travel(timezone.now() + dt.timedelta(hours=hours), tick=True)


# The plan -------------------------------------------------------------------------------------


def test_the_sample_is_the_percentage_split_evenly_between_the_lines():
    plan = plan_test(2000, 3, 10)

    assert plan.sizes == (67, 67, 66)
    assert plan.sample_count == 200
    assert plan.rest_count == 1800


def test_each_line_gets_at_least_one_reader_and_someone_is_left_for_the_winner():
    assert plan_test(3, 2, 50).sizes == (1, 1)  # 2 in the sample, 1 left
    assert not plan_test(10, 4, 10).is_possible  # 1 reader for 4 lines
    assert not plan_test(2, 2, 50).is_possible  # 1 reader for 2 lines
    assert plan_test(4, 2, 50).rest_count == 2


# Sending the sample and holding the rest ------------------------------------------------------


def test_the_sample_gets_its_lines_at_once_and_the_rest_waits(publication, smtp_sink, run_worker):
    emails = add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()

    send = Send.objects.get()
    assert send.subject_lines == LINES
    sample = {variant: sample_emails(variant) for variant in range(3)}
    assert sorted(len(group) for group in sample.values()) == [3, 3, 4]  # 10 of 20
    assert Delivery.objects.filter(is_held=True, state=DeliveryState.QUEUED).count() == 10
    assert len(smtp_sink.messages) == 10
    for variant, group in sample.items():
        for email in group:
            assert smtp_sink.last_to(email).subject == LINES[variant]
    held = Delivery.objects.filter(is_held=True).values_list("email", flat=True)
    assert all(not smtp_sink.to(email) for email in held)
    assert len(emails) == send.recipient_count == 20


def test_nothing_is_decided_before_the_wait_is_over(publication, smtp_sink, run_worker):
    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()

    with after_the_wait(hours=3.9):
        assert decide_due_tests() == 0
        run_worker()

    send = Send.objects.get()
    assert send.test_winner is None
    assert Delivery.objects.filter(is_held=True).count() == 10
    assert len(smtp_sink.messages) == 10


def test_the_line_with_most_opens_goes_to_everyone_else_through_the_worker(
    client, publication, smtp_sink, run_worker
):
    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    # Two readers of the second line open the email (the pixel, as their mail client loads it),
    # one of the first line does.
    for email in sample_emails(1)[:2] + sample_emails(0)[:1]:
        response = client.get(pixel_path(smtp_sink.last_to(email)))
        assert response.status_code == 200

    with after_the_wait():
        run_worker()  # the decision task falls due, then the send's chain sends the rest

    send = Send.objects.get()
    assert send.test_winner == 1
    assert send.test_decided_at is not None
    rest = Delivery.objects.filter(variant__isnull=True)
    assert rest.count() == 10
    assert set(rest.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert not rest.filter(is_held=True).exists()
    for email in rest.values_list("email", flat=True):
        assert smtp_sink.last_to(email).subject == LINES[1]
    assert len(smtp_sink.messages) == 20
    assert send.state == "done"


def test_a_reader_who_unsubscribes_while_the_rest_waits_gets_nothing(
    publication, smtp_sink, run_worker
):
    from masthead.subscriptions.models import Subscription
    from masthead.subscriptions.services import unsubscribe

    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    leaving = Delivery.objects.filter(is_held=True).order_by("id").first()
    unsubscribe(Subscription.objects.get(id=leaving.subscription_id))

    with after_the_wait():
        run_worker()

    leaving.refresh_from_db()
    assert leaving.state == DeliveryState.SUPPRESSED
    assert smtp_sink.to(leaving.email) == []
    assert len(smtp_sink.messages) == 19
    assert Send.objects.get().state == "done"


def test_a_tie_goes_to_the_earliest_line(client, publication, smtp_sink, run_worker):
    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    for variant in (2, 1):
        client.get(pixel_path(smtp_sink.last_to(sample_emails(variant)[0])))

    with after_the_wait():
        assert decide_due_tests() == 1

    assert Send.objects.get().test_winner == 1


def test_no_opens_at_all_sends_the_first_line(publication, smtp_sink, run_worker):
    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()

    with after_the_wait():
        run_worker()

    assert Send.objects.get().test_winner == 0
    for email in Delivery.objects.filter(variant__isnull=True).values_list("email", flat=True):
        assert smtp_sink.last_to(email).subject == LINES[0]


def test_the_clicks_metric_counts_clickers_not_opens(client, publication, smtp_sink, run_worker):
    add_readers(publication, 20)
    publish_post(draft_with_test(publication, metric="clicks"), send_email=True)
    run_worker()
    for email in sample_emails(1)[:3]:  # many opens, no click
        client.get(pixel_path(smtp_sink.last_to(email)))
    response = client.get(click_path(smtp_sink.last_to(sample_emails(2)[0])))
    assert response.status_code == 302

    with after_the_wait():
        assert decide_due_tests() == 1

    assert Send.objects.get().test_winner == 2


def test_a_test_is_decided_once(publication, smtp_sink, run_worker):
    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    send = Send.objects.get()

    with after_the_wait():
        assert decide_test(send.id) is True
        decided_at = Send.objects.get().test_decided_at
        assert decide_test(send.id) is False
        assert decide_due_tests() == 0

    send.refresh_from_db()
    assert send.test_decided_at == decided_at


def test_a_decision_that_lost_the_race_changes_nothing(publication, smtp_sink, run_worker):
    """The winner is recorded by a conditional UPDATE: a second decider that read the send
    before the first one wrote (two workers on PostgreSQL) finds no row to change."""
    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    send = Send.objects.get()
    Send.objects.filter(id=send.id).update(
        test_decided_at=timezone.now(), test_winner=2, subject=LINES[2]
    )

    with after_the_wait():
        assert decide_test(send.id) is False

    send.refresh_from_db()
    assert send.test_winner == 2
    assert Delivery.objects.filter(is_held=True).count() == 10  # released by the first, not here


def test_a_cancelled_send_is_never_decided(publication, smtp_sink, run_worker):
    from masthead.delivery.services.control import cancel_send

    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    cancel_send(Send.objects.get().id)

    with after_the_wait():
        assert decide_due_tests() == 0
        run_worker()

    assert len(smtp_sink.messages) == 10


def test_the_decision_task_is_queued_for_the_decision_time(publication):
    from django_tasks_db.models import DBTaskResult

    add_readers(publication, 20)
    publish_post(draft_with_test(publication, hours=8), send_email=True)

    send = Send.objects.get()
    task = DBTaskResult.objects.get(task_path__endswith="decide_subject_test")
    assert task.args_kwargs["args"] == [send.id]
    assert task.run_after == send.test_decide_at
    assert send.test_decide_at - send.started_at == pytest.approx(
        dt.timedelta(hours=8), abs=dt.timedelta(seconds=5)
    )


# No test --------------------------------------------------------------------------------------


def test_without_lines_every_reader_gets_the_email_subject(publication, smtp_sink, run_worker):
    emails = add_readers(publication, 5)
    publish_post(make_draft(publication, email_subject="  A  subject   line "), send_email=True)
    run_worker()

    send = Send.objects.get()
    assert send.subject_lines == []
    assert send.test_decide_at is None
    assert not Delivery.objects.filter(is_held=True).exists()
    assert not Delivery.objects.filter(variant__isnull=False).exists()
    assert [smtp_sink.last_to(email).subject for email in emails] == ["A subject line"] * 5


def test_a_blank_email_subject_is_the_title(publication, smtp_sink, run_worker):
    add_readers(publication, 2)
    publish_post(make_draft(publication), send_email=True)
    run_worker()

    assert smtp_sink.last_to("r0@example.com").subject == "The title"


def test_a_list_too_small_gets_the_first_line_without_a_test(publication, smtp_sink, run_worker):
    emails = add_readers(publication, 3)
    publish_post(draft_with_test(publication, percent=10), send_email=True)
    run_worker()

    assert Send.objects.get().subject_lines == []
    assert [smtp_sink.last_to(email).subject for email in emails] == [LINES[0]] * 3


def test_without_tracking_there_is_no_test(publication, smtp_sink, run_worker):
    set_tracking(publication, False)
    emails = add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()

    assert Send.objects.get().subject_lines == []
    assert len(smtp_sink.messages) == 20
    assert {smtp_sink.last_to(email).subject for email in emails} == {LINES[0]}


def test_the_preview_text_is_the_emails_preheader(publication, smtp_sink, run_worker):
    add_readers(publication, 1)
    publish_post(make_draft(publication, preview_text="Read this before lunch"), send_email=True)
    run_worker()

    html = smtp_sink.last_to("r0@example.com").html
    assert "Read this before lunch" in html
    assert html.index("Read this before lunch") < html.index("the docs")  # before the body


def test_a_blank_preview_text_keeps_the_automatic_preheader(publication):
    from masthead.delivery.messages import _preheader

    post = make_draft(publication, preview_text="   ")
    assert _preheader(post, "<p>Some words of the body.</p>") == "Some words of the body."


def test_subject_lines_of_drops_blanks_repeats_and_extra_lines(publication):
    post = make_draft(
        publication, subject_test_lines=["", "  Two  ", "First", "Two", "Three", "Four", "Five"]
    )

    assert subject_tests.subject_lines_of(post, "First") == ["First", "Two", "Three", "Four"]


# The results in the post's stats ---------------------------------------------------------------


def test_the_post_stats_show_each_line_and_the_winner(client, publication, smtp_sink, run_worker):
    from django.urls import reverse

    from masthead.publications.models import Membership, Role

    add_readers(publication, 20)
    post = draft_with_test(publication)
    publish_post(post, send_email=True)
    run_worker()
    for email in sample_emails(2)[:2]:
        client.get(pixel_path(smtp_sink.last_to(email)))
    owner = factories.make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)
    url = reverse("desk:stats:post", args=[publication.slug, post.id])

    waiting = client.get(url)
    with after_the_wait():
        decide_due_tests()
    decided = client.get(url)

    assert waiting.status_code == decided.status_code == 200
    assert "The line with the most opens goes to the other 10" in waiting.text
    rows = re.findall(r"<tr[^>]*><th scope=\"row\" class=\"stats-value\">(.*?)</tr>", decided.text)
    assert len(rows) == 3
    sizes = [len(sample_emails(variant)) for variant in range(3)]
    for variant, row in enumerate(rows):
        cells = re.findall(r'<td class="table__number">([^<]*)</td>', row)
        assert row.startswith(LINES[variant])
        assert cells[0] == str(sizes[variant])
        assert cells[1] == ("2" if variant == 2 else "0")
    assert "(winner)" in rows[2] and "(winner)" not in rows[0]
    assert f"<strong data-winner>“{LINES[2]}”</strong>, sent to the other 10 readers" in (
        decided.text
    )


def test_a_post_without_a_test_has_no_test_section(client, publication, smtp_sink, run_worker):
    from django.urls import reverse

    from masthead.publications.models import Membership, Role

    add_readers(publication, 3)
    post = make_draft(publication)
    publish_post(post, send_email=True)
    run_worker()
    owner = factories.make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)

    response = client.get(reverse("desk:stats:post", args=[publication.slug, post.id]))

    assert response.status_code == 200
    assert "data-subject-test" not in response.text


def test_the_sends_page_says_a_test_is_waiting_for_its_winner(
    client, publication, smtp_sink, run_worker
):
    from django.urls import reverse

    from masthead.publications.models import Membership, Role

    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    owner = factories.make_person()
    Membership.objects.create(publication=publication, person=owner, role=Role.OWNER)
    client.force_login(owner)
    url = reverse("delivery:desk_sends", args=[publication.slug])

    waiting = client.get(url)
    with after_the_wait():
        decide_due_tests()
    decided = client.get(url)

    assert waiting.status_code == decided.status_code == 200
    assert "Subject test of 3 lines: the rest wait for the winner" in waiting.text
    assert f"Subject test of 3 lines: “{LINES[0]}” won" in decided.text


def test_the_decision_brings_the_waiting_send_task_forward(
    publication, smtp_sink, run_worker, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    chains = DBTaskResult.objects.filter(task_path__endswith="run_send", status="READY")
    far = timezone.now() + dt.timedelta(days=2)
    chains.update(run_after=far)  # waiting for a reason of its own (the relay was down, say)

    with after_the_wait():
        with django_capture_on_commit_callbacks(execute=True):
            assert decide_test(Send.objects.get().id)
        moment = timezone.now()

    assert chains.exists()
    assert all(run_after <= moment for run_after in chains.values_list("run_after", flat=True))


def test_lines_in_any_script_reach_the_reader_intact(publication, smtp_sink, run_worker):
    lines = ["Café ☕ au lait", "Ünïcödé — “quoted”"]
    add_readers(publication, 4)
    publish_post(draft_with_test(publication, lines=lines), send_email=True)
    run_worker()

    for variant, line in enumerate(lines):
        for email in sample_emails(variant):
            assert smtp_sink.last_to(email).subject == line


def test_the_workers_recovery_round_decides_a_test_whose_task_was_lost(
    publication, smtp_sink, run_worker, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    from masthead.delivery.management.commands import worker as worker_command

    add_readers(publication, 20)
    publish_post(draft_with_test(publication), send_email=True)
    run_worker()
    DBTaskResult.objects.filter(task_path__endswith="decide_subject_test").delete()
    monkeypatch.setattr(worker_command.db_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(worker_command, "rebuild_recent", lambda **options: 0)
    worker = worker_command.Worker(
        queue_names=["default"], excluded_queue_names=[], interval=0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="test-worker",
        recover_every=30.0, reconnect_delay=0.0,
    )  # fmt: skip
    monkeypatch.setattr(worker, "claim_task", lambda: (None, True))

    with after_the_wait():
        worker.run_once()
        assert Send.objects.get().test_winner == 0
        run_worker()

    assert len(smtp_sink.messages) == 20
