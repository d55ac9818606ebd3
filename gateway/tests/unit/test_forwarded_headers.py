import uuid

from gateway.access.service import Admission
from gateway.entitlements.schemas import Snapshot
from gateway.forwarding.headers import client_response_headers, upstream_request_headers
from shared.auth import AccessClaims


def test_spoofed_identity_and_hop_by_hop_headers_are_replaced() -> None:
    user, account = uuid.uuid4(), uuid.uuid4()
    claims = AccessClaims(user, account, "engineer", False, None, None, "j", 0)
    snapshot = Snapshot.model_validate({"subscription": {"status": "active", "plan": "starter"}})
    sent = upstream_request_headers(
        [
            (b"X-User-Id", b"evil"),
            (b"x-account-ROLE", b"owner"),
            (b"X-Account-Plan", b"enterprise"),
            (b"authorization", b"Bearer t"),
            (b"connection", b"keep-alive, x-secret"),
            (b"x-secret", b"1"),
            (b"transfer-encoding", b"chunked"),
            (b"host", b"gateway"),
            (b"x-request-id", b"client-id"),
            (b"accept", b"application/json"),
        ],
        admission=Admission(claims=claims, snapshot=snapshot),
        request_id="rid-1",
    )
    assert sent == [
        (b"authorization", b"Bearer t"),
        (b"accept", b"application/json"),
        (b"x-request-id", b"rid-1"),
        (b"x-user-id", str(user).encode()),
        (b"x-account-id", str(account).encode()),
        (b"x-account-role", b"engineer"),
        (b"x-account-plan", b"starter"),
    ]


def test_public_request_carries_no_identity_headers() -> None:
    sent = upstream_request_headers([(b"x-user-id", b"evil")], admission=Admission(), request_id="r")
    assert sent == [(b"x-request-id", b"r")]


def test_response_keeps_repeated_headers_and_drops_hop_by_hop() -> None:
    kept = client_response_headers(
        [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2"), (b"connection", b"close"), (b"content-length", b"3")]
    )
    assert kept == [(b"set-cookie", b"a=1"), (b"set-cookie", b"b=2"), (b"content-length", b"3")]
