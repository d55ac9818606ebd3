from shared.errors import ApiError


class UpstreamUnavailable(ApiError):
    status_code = 502

    def __init__(self, upstream: str) -> None:
        super().__init__({"error": "upstream_unavailable", "upstream": upstream})


class UpstreamTimeout(ApiError):
    status_code = 504

    def __init__(self, upstream: str) -> None:
        super().__init__({"error": "upstream_timeout", "upstream": upstream})


class UpstreamNotConfigured(ApiError):
    status_code = 502

    def __init__(self, upstream: str) -> None:
        super().__init__({"error": "upstream_not_configured", "upstream": upstream})


class PayloadTooLarge(ApiError):
    status_code = 413
    detail = {"error": "payload_too_large"}


class HeadersTooLarge(ApiError):
    status_code = 431
    detail = {"error": "headers_too_large"}


class BadContentLength(ApiError):
    status_code = 400
    detail = {"error": "invalid_content_length"}
