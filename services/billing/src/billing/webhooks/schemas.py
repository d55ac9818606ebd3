from typing import Literal

from pydantic import BaseModel


class WebhookIgnored(BaseModel):
    status: Literal["ok"] = "ok"
    message: str


class WebhookAck(BaseModel):
    status: Literal["ok"] = "ok"
    applied: bool
