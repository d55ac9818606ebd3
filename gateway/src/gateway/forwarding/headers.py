"""Which headers cross the gateway, each way."""

from collections.abc import Iterable

from gateway.access.service import Admission

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# set by the gateway itself, never taken from the client
_REPLACED = frozenset({b"host", b"x-request-id", b"traceparent", b"tracestate"})
_SPOOFABLE_PREFIXES = (b"x-user-", b"x-account-")

RawHeaders = list[tuple[bytes, bytes]]


def _connection_tokens(headers: Iterable[tuple[bytes, bytes]]) -> set[bytes]:
    named: set[bytes] = set()
    for key, value in headers:
        if key.lower() == b"connection":
            named.update(token.strip().lower() for token in value.split(b","))
    return named


def upstream_request_headers(client_headers: RawHeaders, *, admission: Admission, request_id: str) -> RawHeaders:
    """Client headers minus hop-by-hop and spoofable identity headers, plus what the checks learnt."""
    dropped = HOP_BY_HOP | _REPLACED | _connection_tokens(client_headers)
    headers = [
        (key, value)
        for key, value in client_headers
        if (lowered := key.lower()) not in dropped and not lowered.startswith(_SPOOFABLE_PREFIXES)
    ]
    headers.append((b"x-request-id", request_id.encode()))
    claims = admission.claims
    if claims is not None:
        headers.append((b"x-user-id", str(claims.user_id).encode()))
        if claims.account_id is not None:
            headers.append((b"x-account-id", str(claims.account_id).encode()))
        if claims.account_role is not None:
            headers.append((b"x-account-role", claims.account_role.encode()))
    if admission.snapshot is not None:
        headers.append((b"x-account-plan", admission.snapshot.subscription.plan.encode()))
    return headers


def client_response_headers(upstream_headers: RawHeaders) -> RawHeaders:
    dropped = HOP_BY_HOP | _connection_tokens(upstream_headers)
    return [(key, value) for key, value in upstream_headers if key.lower() not in dropped]
