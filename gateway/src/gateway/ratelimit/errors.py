from shared.errors import ApiError


class RateLimited(ApiError):
    status_code = 429

    def __init__(self, *, retry_after: int) -> None:
        super().__init__(
            {"error": "rate_limited", "retry_after": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
