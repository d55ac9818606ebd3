"""What routes receive besides the session and the clock: the outbox and the service's settings."""

from typing import Annotated

from fastapi import Depends, Request

from onboarding.settings import OnboardingSettings
from shared.bus.outbox import Outbox


async def event_outbox(request: Request) -> Outbox:
    outbox: Outbox = request.app.state.runtime.outbox
    return outbox


async def onboarding_settings(request: Request) -> OnboardingSettings:
    settings: OnboardingSettings = request.app.state.runtime.settings
    return settings


EventOutbox = Annotated[Outbox, Depends(event_outbox)]
Settings = Annotated[OnboardingSettings, Depends(onboarding_settings)]
