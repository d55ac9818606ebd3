"""Exchange and queue names (events.md §2), with the optional `EVENTS_NAMESPACE` prefix."""

from dataclasses import dataclass

RETRY_DELAYS_MS: tuple[tuple[str, int], ...] = (
    ("5s", 5_000),
    ("30s", 30_000),
    ("2m", 120_000),
    ("10m", 600_000),
)


@dataclass(frozen=True)
class BusNames:
    exchange_name: str = "platform.events"
    namespace: str = ""

    def _ns(self, name: str) -> str:
        return f"{self.namespace}.{name}" if self.namespace else name

    @property
    def exchange(self) -> str:
        return self._ns(self.exchange_name)

    def queue(self, service: str) -> str:
        return self._ns(f"{service}.events")

    def retry_queue(self, service: str, label: str) -> str:
        return self._ns(f"{service}.events.retry.{label}")

    def dlq(self, service: str) -> str:
        return self._ns(f"{service}.events.dlq")

    def gateway_queue(self, replica_id: str) -> str:
        return self._ns(f"gateway.entitlements.{replica_id}")
