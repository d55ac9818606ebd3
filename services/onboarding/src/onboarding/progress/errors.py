"""The error codes of api.md §5 for wizard progress."""

from shared.errors import ApiError


class StepCannotDecrease(ApiError):
    status_code = 400

    def __init__(self, *, current_step: int, requested_step: int) -> None:
        super().__init__(
            {"error": "step_cannot_decrease", "current_step": current_step, "requested_step": requested_step}
        )
