"""A poisoned event (a valid envelope of a type billing handles, with data that cannot validate) goes
straight to billing's dead-letter queue; the operator sees it with its error in `python -m billing events
dlq list` and `dlq replay --id` republishes it, where it dead-letters again, once."""

import asyncio
import json
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika

from shared.bus.broker import build_message, connect, declare_exchange
from shared.bus.names import BusNames
from shared.testing import poll

from .conftest import FaultStack

POISON_TYPE = "identity.account.ownership_transferred"  # consumed by billing only


def billing_cli(fault_stack: FaultStack, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "billing", "events", "dlq", *args],
        env=fault_stack.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


async def dead_letters(fault_stack: FaultStack, event_id: str) -> list[dict[str, Any]]:
    output = await asyncio.to_thread(billing_cli, fault_stack, "list")
    letters = [json.loads(line) for line in output.splitlines() if line.strip()]
    return [letter for letter in letters if letter["id"] == event_id]


async def test_poisoned_event_is_dead_lettered_listed_with_its_error_and_replayed(fault_stack: FaultStack) -> None:
    await fault_stack.stack.wait_ready(("billing",), timeout=90)
    event_id = str(uuid.uuid4())
    envelope = {
        "id": event_id,
        "type": POISON_TYPE,
        "version": 1,
        "occurred_at": datetime.now(UTC).isoformat(),
        "producer": "identity",
        "correlation_id": "fault-suite-poison",
        "data": {"account_id": "not-a-uuid", "previous_owner_id": str(uuid.uuid4())},
    }
    connection = await connect(fault_stack.env["AMQP_URL"])
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        exchange = await declare_exchange(channel, BusNames(namespace=fault_stack.env["EVENTS_NAMESPACE"]))
        await exchange.publish(build_message(envelope, {}), routing_key=POISON_TYPE)

    async def listed() -> list[dict[str, Any]] | None:
        return await dead_letters(fault_stack, event_id) or None

    [first] = await poll(listed, timeout=30, interval=0.5, message="the poisoned event in billing's DLQ")
    assert first["type"] == POISON_TYPE
    assert first["attempts"] == 1  # poison is not retried: straight to the DLQ
    assert "PoisonMessage" in first["last_error"]
    assert f"data of {POISON_TYPE} does not validate" in first["last_error"]

    replayed = json.loads(await asyncio.to_thread(billing_cli, fault_stack, "replay", "--id", event_id))
    assert replayed == {"replayed": 1}

    async def dead_lettered_again() -> list[dict[str, Any]] | None:
        found = await dead_letters(fault_stack, event_id)
        return found if found and found[0]["failed_at"] != first["failed_at"] else None

    again = await poll(dead_lettered_again, timeout=30, interval=0.5, message="the replayed event dead-lettered again")
    assert len(again) == 1  # replayed, not copied: still one letter for the event
    assert again[0]["attempts"] == 1
    assert again[0]["failed_at"] > first["failed_at"]
    assert again[0]["last_error"] == first["last_error"]
    await drop_dead_letter(fault_stack, event_id)


async def drop_dead_letter(fault_stack: FaultStack, event_id: str) -> None:
    """Remove the test's letter so the queue is as the suite found it."""
    names = BusNames(namespace=fault_stack.env["EVENTS_NAMESPACE"])
    connection = await connect(fault_stack.env["AMQP_URL"])
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(names.dlq("billing"), durable=True, passive=True)
        kept: list[aio_pika.abc.AbstractIncomingMessage] = []
        while (message := await queue.get(no_ack=False, fail=False)) is not None:
            if message.message_id == event_id:
                await message.ack()
            else:
                kept.append(message)
        for message in kept:
            await message.nack(requeue=True)
