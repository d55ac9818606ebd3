"""HTTP of api.md §6: the delivery log for super admins, and the public unsubscribe."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from notifications.db import Now, Session
from notifications.emails import delivery_log, suppressions
from notifications.emails.schemas import (
    Limit,
    MessageItem,
    MessagePage,
    RetryAccepted,
    Status,
    UnsubscribeBody,
    Unsubscribed,
)
from shared.auth import SuperAdminClaims as AdminClaims
from shared.dependencies import EventOutbox

router = APIRouter()


@router.get("/api/v1/admin/notifications", tags=["admin"])
async def list_messages(
    _: AdminClaims,
    session: Session,
    status: Status | None = None,
    template: str | None = None,
    to_email: str | None = None,
    limit: Limit = 50,
    before: UUID | None = None,
) -> MessagePage:
    found, next_cursor = await delivery_log.list_messages(
        session=session, status=status, template=template, to_email=to_email, limit=limit, before=before
    )
    return MessagePage(items=[MessageItem.model_validate(m) for m in found], next_cursor=next_cursor)


@router.post("/api/v1/admin/notifications/{message_id}/retry", status_code=status.HTTP_202_ACCEPTED, tags=["admin"])
async def retry_message(
    message_id: UUID, admin: AdminClaims, session: Session, outbox: EventOutbox, now: Now
) -> RetryAccepted:
    message = await delivery_log.request_retry(
        session=session, outbox=outbox, message_id=message_id, admin_id=admin.user_id, now=now
    )
    return RetryAccepted(id=message.id, status=message.status, attempts=message.attempts)


async def unsubscribe_token(request: Request, token: str | None = None) -> str:
    """`?token=` (RFC 8058: the one-click POST's form body says only `List-Unsubscribe=One-Click`), else
    the JSON body `{token}` the unsubscribe page posts."""
    if token:
        return token
    raw = await request.body()
    if not raw or "json" not in request.headers.get("content-type", "json"):
        raise RequestValidationError([{"loc": ("query", "token"), "msg": "Field required", "type": "missing"}])
    try:
        return UnsubscribeBody.model_validate_json(raw).token
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_url=False)]
        ) from None


@router.post("/api/v1/email/unsubscribe")
async def unsubscribe(token: Annotated[str, Depends(unsubscribe_token)], session: Session, now: Now) -> Unsubscribed:
    category = await suppressions.unsubscribe(session=session, token=token, now=now)
    return Unsubscribed(category=category)
