from shared.errors import ApiError


class RouteNotFound(ApiError):
    status_code = 404
    detail = "Not Found"


class MethodNotAllowed(ApiError):
    status_code = 405
    detail = "Method Not Allowed"


class RouteTableError(Exception):
    """The route table file is missing or invalid; the gateway refuses to start."""
