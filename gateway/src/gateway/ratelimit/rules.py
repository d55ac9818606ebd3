"""A route's rate limit as the route table declares it: `{limit: 3, per: minute, key: client}`."""

from datetime import timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Per(StrEnum):
    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"

    @property
    def window(self) -> timedelta:
        return {
            Per.SECOND: timedelta(seconds=1),
            Per.MINUTE: timedelta(minutes=1),
            Per.HOUR: timedelta(hours=1),
            Per.DAY: timedelta(days=1),
        }[self]


class RateKey(StrEnum):
    CLIENT = "client"  # the client address (X-Forwarded-For believed only from TRUSTED_PROXIES)
    USER = "user"  # the access token's `sub`; checked right after the token


class RateLimitRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    limit: int = Field(ge=1)
    per: Per
    key: RateKey = RateKey.CLIENT

    @property
    def window(self) -> timedelta:
        return self.per.window
