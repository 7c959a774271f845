"""Sending one delivery: signed, to a checked address, logged, retried, given up, disabled."""

import json
import socket
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from werkzeug import Response

from core import deliveries
from tests.factories import UserFactory
from webhooks import sending, tasks
from webhooks.models import EndpointDisabledEmail, WebhookAttempt, WebhookDelivery

pytestmark = pytest.mark.django_db

PAYLOAD = {"type": "incident.created", "timestamp": "2026-03-10T09:00:00+00:00", "data": {"id": 7}}


@pytest.fixture
def receiver_url(httpserver):
    return f"http://127.0.0.1:{httpserver.port}/hook"


@pytest.fixture
def make_delivery(make_endpoint, receiver_url):
    def make(endpoint=None, **fields):
        endpoint = endpoint or make_endpoint(url=receiver_url)
        return WebhookDelivery.objects.create(
            endpoint=endpoint, event_type="incident.created", payload=PAYLOAD, **fields
        )

    return make


def test_a_delivery_is_signed_so_that_standardwebhooks_verifies_it(httpserver, make_delivery):
    httpserver.expect_oneshot_request("/hook", method="POST").respond_with_data("thanks")
    delivery = make_delivery()

    sending.deliver(delivery.pk)

    (request, _response) = httpserver.log[0]
    verified = Webhook(delivery.endpoint.secret).verify(request.get_data(), dict(request.headers))
    assert verified == PAYLOAD
    assert request.headers["webhook-id"] == delivery.webhook_id
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    (attempt,) = delivery.attempts_made.all()
    assert (attempt.status_code, attempt.response_excerpt, attempt.error) == (200, "thanks", "")


def test_a_signature_with_another_secret_does_not_verify(httpserver, make_delivery):
    from standardwebhooks.webhooks import WebhookVerificationError

    from webhooks.models import new_secret

    httpserver.expect_oneshot_request("/hook").respond_with_data("ok")
    sending.deliver(make_delivery().pk)

    (request, _response) = httpserver.log[0]
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(request.get_data(), dict(request.headers))


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "ftp://93.184.216.34/hook",
        "file:///etc/passwd",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(sending.RefusedURL):
        sending.resolve(url)


def test_a_public_address_is_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    _parts, addresses = sending.resolve("https://93.184.216.34/hook")
    assert addresses == ["93.184.216.34"]


def fake_dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_name_with_any_private_address_is_refused(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    fake_dns(monkeypatch, {"hooks.example.test": ["93.184.216.34", "10.0.0.5"]})
    with pytest.raises(sending.RefusedURL, match=r"10\.0\.0\.5"):
        sending.resolve("https://hooks.example.test/hook")


def test_a_name_that_rebinds_to_a_private_address_at_send_time_is_not_sent_to(
    settings, monkeypatch, httpserver, make_endpoint
):
    # It resolved to a public address when the endpoint was saved; now it says loopback.
    endpoint = make_endpoint(url=f"http://rebinding.example.test:{httpserver.port}/hook")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type="incident.created",
                                              payload=PAYLOAD)  # fmt: skip
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    fake_dns(monkeypatch, {"rebinding.example.test": ["127.0.0.1"]})

    sending.deliver(delivery.pk)

    assert httpserver.log == []
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert "127.0.0.1" in delivery.attempts_made.get().error


def test_the_request_goes_to_the_address_checked_with_the_host_name_in_the_host_header(
    monkeypatch, httpserver, make_endpoint
):
    httpserver.expect_oneshot_request("/hook").respond_with_data("ok")
    fake_dns(monkeypatch, {"hooks.example.test": ["127.0.0.1"]})
    endpoint = make_endpoint(url=f"http://hooks.example.test:{httpserver.port}/hook")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type="incident.created",
                                              payload=PAYLOAD)  # fmt: skip

    sending.deliver(delivery.pk)

    (request, _response) = httpserver.log[0]
    assert request.headers["Host"] == f"hooks.example.test:{httpserver.port}"


def test_a_failed_try_is_logged_and_handed_back_with_backoff(httpserver, make_delivery):
    httpserver.expect_request("/hook").respond_with_response(Response("x" * 5000, status=503))
    delivery = make_delivery()

    outcome = sending.deliver(delivery.pk)

    assert outcome.retry_in == 30
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.next_attempt_at > timezone.now()
    assert "HTTP 503" in delivery.last_error
    (attempt,) = delivery.attempts_made.all()
    assert attempt.status_code == 503
    assert attempt.response_excerpt == "x" * 1024
    assert delivery.endpoint.__class__.objects.get().failing_since is not None

    outcome = sending.deliver(delivery.pk)
    assert outcome.retry_in == 60
    assert WebhookAttempt.objects.count() == 2


def test_an_endpoint_that_does_not_answer_is_retried(make_endpoint):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    endpoint = make_endpoint(url=f"http://127.0.0.1:{port}/hook")
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event_type="incident.created",
                                              payload=PAYLOAD)  # fmt: skip

    outcome = sending.deliver(delivery.pk)

    assert outcome.retry_in is not None
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None
    assert "Connection refused" in attempt.error or "ConnectionRefused" in attempt.error


def test_a_delivery_is_given_up_a_day_after_it_was_made(httpserver, make_delivery):
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    delivery = make_delivery(created_at=timezone.now() - timedelta(hours=24, minutes=1))

    outcome = sending.deliver(delivery.pk)

    assert outcome.retry_in is None
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_the_last_retry_of_the_day_is_not_scheduled_past_its_end(
    settings, httpserver, make_delivery
):
    settings.DELIVERY_RETRY_BACKOFF_MAX = 3600
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    delivery = make_delivery(created_at=timezone.now() - timedelta(hours=23, minutes=59),
                             attempts=30)  # fmt: skip

    outcome = sending.deliver(delivery.pk)

    assert 1 <= outcome.retry_in <= 61


def test_the_retries_of_a_delivery_back_off_to_hourly_and_stop_after_a_day():
    waits = [sending.retry_delay(attempts) for attempts in range(1, 12)]
    assert waits == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600]
    # A receiver that is down for the whole day is tried about 30 times, not 150.
    elapsed, tries = 0, 1
    while elapsed + sending.retry_delay(tries) < 24 * 3600:
        elapsed += sending.retry_delay(tries)
        tries += 1
    assert 25 <= tries <= 35


def _failing_endpoint(make_endpoint, receiver_url, *, hours: float, failures: int):
    return make_endpoint(
        url=receiver_url,
        failing_since=timezone.now() - timedelta(hours=hours),
        consecutive_failures=failures,
    )


def test_an_endpoint_failing_for_a_day_and_ten_tries_is_disabled_and_its_manager_told(
    httpserver, make_delivery, make_endpoint, receiver_url, mailoutbox
):
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    endpoint = _failing_endpoint(make_endpoint, receiver_url, hours=24.1, failures=9)
    delivery = make_delivery(endpoint=endpoint)

    tasks.deliver_webhook.delay(delivery_id=delivery.pk)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_at is not None
    assert endpoint.consecutive_failures == 10
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    (mail,) = mailoutbox
    assert mail.to == [endpoint.team.manager.email]
    assert "disabled" in mail.subject
    assert "failed for 24 hours" in mail.body
    assert endpoint.url in mail.body
    assert f"http://testserver/webhooks/{endpoint.pk}/" in mail.body
    assert mail.alternatives[0][1] == "text/html"
    assert EndpointDisabledEmail.objects.get().status == "sent"

    # Its other deliveries are skipped, and nobody is told twice.
    other = make_delivery(endpoint=endpoint)
    tasks.deliver_webhook.delay(delivery_id=other.pk)
    other.refresh_from_db()
    assert other.status == "skipped"
    assert len(mailoutbox) == 1


def test_the_disabled_email_is_owed_while_the_mail_server_is_down(
    httpserver, make_delivery, make_endpoint, receiver_url, mailoutbox, settings
):
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    endpoint = _failing_endpoint(make_endpoint, receiver_url, hours=25, failures=40)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", sock.getsockname()[1]

    tasks.deliver_webhook.delay(delivery_id=make_delivery(endpoint=endpoint).pk)

    email = EndpointDisabledEmail.objects.get(endpoint=endpoint)
    assert email.status == "pending" and email.attempts == 1
    assert email.recipient == endpoint.team.manager
    # The mail server is back; recovery sends what is owed once its retry is due.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    EndpointDisabledEmail.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    assert deliveries.recover_owed()["webhook_disabled_email"] == 1
    (mail,) = mailoutbox
    assert "disabled" in mail.subject
    email.refresh_from_db()
    assert email.status == "sent"


def test_an_endpoint_failing_for_less_than_a_day_stays_enabled(
    httpserver, make_delivery, make_endpoint, receiver_url, mailoutbox
):
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    endpoint = _failing_endpoint(make_endpoint, receiver_url, hours=23.9, failures=100)
    sending.deliver(make_delivery(endpoint=endpoint).pk)

    endpoint.refresh_from_db()
    assert endpoint.is_active
    assert mailoutbox == []
    assert not EndpointDisabledEmail.objects.exists()


def test_an_endpoint_with_few_failed_tries_in_a_day_stays_enabled(
    httpserver, make_delivery, make_endpoint, receiver_url, mailoutbox
):
    httpserver.expect_request("/hook").respond_with_data("down", status=500)
    endpoint = _failing_endpoint(make_endpoint, receiver_url, hours=30, failures=3)
    sending.deliver(make_delivery(endpoint=endpoint).pk)

    endpoint.refresh_from_db()
    assert endpoint.is_active and endpoint.consecutive_failures == 4
    assert mailoutbox == []


def test_a_success_ends_the_failing_streak(httpserver, make_delivery, make_endpoint, receiver_url):
    httpserver.expect_request("/hook").respond_with_data("ok")
    endpoint = _failing_endpoint(make_endpoint, receiver_url, hours=20, failures=8)
    sending.deliver(make_delivery(endpoint=endpoint).pk)

    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert endpoint.consecutive_failures == 0


def test_a_delivery_claimed_by_another_worker_is_not_sent(httpserver, make_delivery):
    delivery = make_delivery()
    assert deliveries.claim(WebhookDelivery, delivery.pk) is not None

    sending.deliver(delivery.pk)

    assert httpserver.log == []


def test_a_delivery_is_sent_again_with_the_same_webhook_id(httpserver, make_delivery):
    from webhooks import services

    httpserver.expect_request("/hook").respond_with_data("ok")
    delivery = make_delivery()
    sending.deliver(delivery.pk)

    replay = services.delivery_replay(delivery=delivery, actor=UserFactory())
    sending.deliver(replay.pk)

    ids = [request.headers["webhook-id"] for request, _ in httpserver.log]
    assert ids == [delivery.webhook_id, delivery.webhook_id]
    assert replay.pk != delivery.pk
    assert replay.replay_of == delivery
    bodies = [json.loads(request.get_data()) for request, _ in httpserver.log]
    assert bodies[0] == bodies[1] == PAYLOAD
    replay.refresh_from_db()
    assert replay.status == "sent"
