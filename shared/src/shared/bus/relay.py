"""The outbox relay: publishes committed rows in creation order with asynchronous confirms."""

import asyncio
import contextlib
import logging
from datetime import timedelta

import asyncpg
from sqlalchemy import delete, select, update

from shared.clock import Clock
from shared.db import SessionFactory

from .broker import Publisher, build_message
from .tables import inbox, outbox

log = logging.getLogger(__name__)

PUBLISHED_RETENTION = timedelta(days=7)
INBOX_RETENTION = timedelta(days=30)
CLEANUP_EVERY_SECONDS = 3600.0


class OutboxRelay:
    """Wakes on `NOTIFY outbox` (or a short poll), claims rows with SKIP LOCKED, publishes a window
    of them concurrently, and marks each one sent when the broker confirms it."""

    def __init__(
        self,
        *,
        factory: SessionFactory,
        listen_dsn: str,
        publisher: Publisher,
        clock: Clock,
        batch_size: int = 100,
        poll_seconds: float = 2.0,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        self.factory = factory
        self.listen_dsn = listen_dsn
        self.publisher = publisher
        self.clock = clock
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._wake = asyncio.Event()
        self._listener: asyncpg.Connection | None = None
        self._last_cleanup = 0.0

    async def publish_pending(self) -> tuple[int, int]:
        """One pass over at most `batch_size` rows; returns (published, failed)."""
        async with self.factory() as session, session.begin():
            rows = (
                await session.execute(
                    select(outbox.c.id, outbox.c.type, outbox.c.envelope, outbox.c.headers, outbox.c.attempts)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.created_at)
                    .limit(self.batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0, 0
            try:
                results = await self.publisher.publish_many(
                    [(build_message(r.envelope, r.headers), r.type) for r in rows]
                )
            except Exception as exc:  # the broker could not even be reached
                results = [exc] * len(rows)
            now = self.clock.now()
            sent = [r.id for r, err in zip(rows, results, strict=True) if err is None]
            if sent:
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id.in_(sent))
                    .values(published_at=now, attempts=outbox.c.attempts + 1, last_error=None)
                )
            failed = [(r, err) for r, err in zip(rows, results, strict=True) if err is not None]
            for row, err in failed:
                await session.execute(
                    update(outbox)
                    .where(outbox.c.id == row.id)
                    .values(attempts=outbox.c.attempts + 1, last_error=f"{type(err).__name__}: {err}"[:1000])
                )
            if failed:
                log.warning("outbox publish failed", extra={"failed": len(failed), "error": repr(failed[0][1])})
            return len(sent), len(failed)

    async def cleanup(self) -> None:
        """Delete rows past retention: published outbox rows after 7 days, inbox rows after 30."""
        now = self.clock.now()
        async with self.factory() as session, session.begin():
            await session.execute(delete(outbox).where(outbox.c.published_at < now - PUBLISHED_RETENTION))
            await session.execute(delete(inbox).where(inbox.c.processed_at < now - INBOX_RETENTION))

    async def _listen(self) -> None:
        """Keep a LISTEN connection open; reconnect on loss (the poll covers the gap)."""
        while True:
            try:
                conn = await asyncpg.connect(self.listen_dsn)
                self._listener = conn
                await conn.add_listener("outbox", lambda *_: self._wake.set())
                self._wake.set()  # rows written while we were not listening
                while not conn.is_closed():
                    await asyncio.sleep(self.poll_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox listener lost", extra={"error": repr(exc)})
            finally:
                if self._listener is not None and not self._listener.is_closed():
                    with contextlib.suppress(Exception):
                        await self._listener.close()
                self._listener = None
            await asyncio.sleep(self.poll_seconds)

    async def run(self) -> None:
        listener = asyncio.create_task(self._listen(), name="outbox-listener")
        backoff = 0.5
        try:
            while True:
                try:
                    published, failed = await self.publish_pending()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("outbox relay pass failed", extra={"error": repr(exc)})
                    published, failed = 0, 1
                if failed:
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff_seconds)
                    continue
                backoff = 0.5
                if published == self.batch_size:
                    continue
                await self._maybe_cleanup()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
                self._wake.clear()
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener

    async def _maybe_cleanup(self) -> None:
        loop_time = asyncio.get_running_loop().time()
        if loop_time - self._last_cleanup < CLEANUP_EVERY_SECONDS:
            return
        self._last_cleanup = loop_time
        try:
            await self.cleanup()
        except Exception as exc:
            log.warning("outbox cleanup failed", extra={"error": repr(exc)})
