from shared.errors import ApiError


class EmailAlreadyRegistered(ApiError):
    detail = "Email already registered"


class InviteCodeRequired(ApiError):
    detail = "Invite code is required"
