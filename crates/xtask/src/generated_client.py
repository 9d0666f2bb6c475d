"""A round trip through a client generated from api-spec/openapi.yaml by
openapi-python-client, used as an integrator would: typed models in, typed
models out. Run by `cargo xtask test` against a fresh server; the generated
package `adminlog_client` is on PYTHONPATH.

Exits non-zero with the first thing that did not hold.
"""

import datetime
import os
import sys
from http import HTTPStatus

from adminlog_client import AuthenticatedClient, Client
from adminlog_client.api.admin_logs import ingest_admin_logs, list_admin_logs, read_admin_logs_feed
from adminlog_client.api.api_keys import create_api_key
from adminlog_client.api.integrity import export_evidence
from adminlog_client.api.operations import openapi_yaml
from adminlog_client.api.session import login
from adminlog_client.api.streams import create_stream, list_streams
from adminlog_client.models import (
    Action,
    ClientAction,
    CreateApiKeyRequest,
    CreateStreamRequest,
    ErrorBody,
    EventPage,
    FeedPage,
    IngestRequest,
    LoginRequest,
    NewEvent,
    Scope,
)
from adminlog_client.types import File

URL = os.environ["ADMINLOG_URL"]
EMAIL = os.environ["ADMINLOG_EMAIL"]
PASSWORD = os.environ["ADMINLOG_PASSWORD"]


def check(condition, what):
    if not condition:
        sys.exit(f"generated client round trip: {what}")


def main():
    signed_in = login.sync(client=Client(base_url=URL), body=LoginRequest(email=EMAIL, password=PASSWORD))
    check(signed_in is not None and not isinstance(signed_in, ErrorBody), f"login: {signed_in}")
    session = AuthenticatedClient(base_url=URL, token=signed_in.token)

    created = create_api_key.sync(
        client=session, body=CreateApiKeyRequest(name="generated client", scopes=[Scope("logs:read"), Scope("logs:write")])
    )
    check(created is not None and created.key.startswith("alk_"), f"create an API key: {created}")
    key = AuthenticatedClient(base_url=URL, token=created.key)

    when = datetime.datetime(2026, 11, 2, 9, 30, 15, 123456, tzinfo=datetime.timezone.utc)
    sent = [
        NewEvent(action=ClientAction("EDIT_USER"), timestamp=when, user_email="ann@example.com", user_name="Ann"),
        NewEvent(action=ClientAction("CREATE_DOMAIN"), admin_email="ops@example.com", domain_name="Office VPN"),
        NewEvent(action=ClientAction("ISSUE_TOKEN"), user_name="Bob", event_id="generated-3"),
    ]
    stored = ingest_admin_logs.sync_detailed(client=key, body=IngestRequest(events=sent))
    check(stored.status_code == HTTPStatus.CREATED, f"ingest: {stored.status_code} {stored.content!r}")
    ids = stored.parsed.ids
    check(len(ids) == 3, f"three ids, got {ids}")

    page = list_admin_logs.sync(
        client=session, actions=[Action("EDIT_USER"), Action("CREATE_DOMAIN")], from_="2026-11-01", limit=10
    )
    check(isinstance(page, EventPage), f"a page: {page}")
    by_id = {event.id: event for event in page.items}
    check(set(by_id) == {ids[0], ids[1]}, f"the two matching events, got {sorted(by_id)}")
    ann = by_id[ids[0]]
    check(ann.timestamp == when, f"the time as sent, to the microsecond: {ann.timestamp}")
    check(ann.user_name == "Ann" and ann.domain_name == "", f"absent text is empty: {ann.domain_name!r}")
    check(by_id[ids[1]].domain_name == "Office VPN", "domain kept")

    bad = list_admin_logs.sync(client=session, from_="2026-11-05", to="2026-11-01")
    check(isinstance(bad, ErrorBody) and bad.error.code.value == "validation_failed", f"from after to: {bad}")

    feed = read_admin_logs_feed.sync(client=session, after=ids[0] - 1, limit=1000)
    check(isinstance(feed, FeedPage), f"the feed: {feed}")
    check([event.id for event in feed.items][:3] == ids, f"the feed in id order: {[e.id for e in feed.items]}")
    check(feed.complete_through >= ids[2] and feed.next_after >= ids[2], "complete through the last id")

    evidence = export_evidence.sync(client=session)
    check(isinstance(evidence, File), f"the evidence file as bytes: {evidence}")
    lines = evidence.payload.read().decode().splitlines()
    check(len(lines) >= 4, f"a header and the events: {len(lines)} lines")

    spec = openapi_yaml.sync(client=Client(base_url=URL))
    check(isinstance(spec, str) and spec.startswith("openapi: 3.1"), "the contract as text")

    refused = create_stream.sync(client=session, body=CreateStreamRequest(url="http://10.1.2.3/hooks"))
    check(
        isinstance(refused, ErrorBody) and refused.error.details[0].field == "url",
        f"a receiver the operator did not allow is refused by field: {refused}",
    )
    streams = list_streams.sync(client=session)
    check(streams is not None and streams.items == [], f"no stream was created: {streams}")
    print(f"generated client round trip: ok ({len(ids)} events, {len(lines)} evidence lines)")


main()
