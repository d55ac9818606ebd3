"""The error answers of api.md §6."""

from shared.errors import ApiError


class MessageNotFound(ApiError):
    status_code = 404
    detail = "Message not found"


class AlreadySent(ApiError):
    status_code = 409
    detail = {"error": "already_sent"}


class UnsubscribeTokenInvalid(ApiError):
    status_code = 404
    detail = {"error": "unsubscribe_token_invalid"}


class UnknownCursor(ApiError):
    """`before` names no message: answered like any other bad query value."""

    status_code = 422
    detail = [{"loc": ["query", "before"], "msg": "No message with this id", "type": "value_error"}]
