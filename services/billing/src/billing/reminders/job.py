"""The reminder job: runs every few minutes in every replica; the `trial_reminders` primary key makes
concurrent runs send each reminder once."""

import asyncio
import logging

from billing.reminders.service import send_due_reminders
from shared.bus.outbox import Outbox
from shared.clock import Clock
from shared.db import SessionFactory, transaction

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 15 * 60
DEFAULT_BATCH_SIZE = 200


class TrialReminderJob:
    def __init__(
        self,
        *,
        factory: SessionFactory,
        outbox: Outbox,
        clock: Clock,
        frontend_url: str,
        interval_seconds: float = DEFAULT_INTERVAL_SECONDS,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ) -> None:
        self.factory = factory
        self.outbox = outbox
        self.clock = clock
        self.frontend_url = frontend_url
        self.interval_seconds = interval_seconds
        self.batch_size = batch_size

    async def run_once(self) -> int:
        """Send every reminder due now, one committed batch at a time; how many this run sent."""
        total = 0
        while True:
            async with transaction(self.factory) as session:
                sent = await send_due_reminders(
                    session=session,
                    outbox=self.outbox,
                    now=self.clock.now(),
                    frontend_url=self.frontend_url,
                    limit=self.batch_size,
                )
            total += len(sent)
            if len(sent) < self.batch_size:
                break
        if total:
            log.info("trial reminders sent", extra={"count": total})
        return total

    async def run_forever(self) -> None:
        """Run now and then every interval until cancelled; a failed run is logged and retried next time."""
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("trial reminder run failed")
            await asyncio.sleep(self.interval_seconds)
