"""Running the reminder job beside the app: started after the runtime, cancelled before it stops."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from billing.reminders.job import DEFAULT_INTERVAL_SECONDS, TrialReminderJob
from shared.runtime import ServiceRuntime


def run_trial_reminders(app: FastAPI, *, frontend_url: str, interval_seconds: float = DEFAULT_INTERVAL_SECONDS) -> None:
    """Wrap `app`'s lifespan so the job runs while the app does (in every replica; runs are safe
    to overlap)."""
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(application: FastAPI) -> AsyncIterator[Any]:
        async with inner(application) as state:
            runtime: ServiceRuntime = application.state.runtime
            job = TrialReminderJob(
                factory=runtime.factory,
                outbox=runtime.outbox,
                clock=runtime.clock,
                frontend_url=frontend_url,
                interval_seconds=interval_seconds,
            )
            task = asyncio.create_task(job.run_forever(), name="billing-trial-reminders")
            application.state.trial_reminders = task
            try:
                yield state
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app.router.lifespan_context = lifespan
