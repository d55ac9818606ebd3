from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

BillingInterval = Literal["monthly", "annual"]


class CheckoutRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    plan: Literal["pro", "starter", "enterprise"]
    seats: Annotated[int, Field(strict=True, ge=1, le=1000)]
    billing_interval: BillingInterval = "monthly"


class SessionUrl(BaseModel):
    url: str
