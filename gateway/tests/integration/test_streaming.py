"""Large answers pass through the gateway as they come: never buffered whole."""

import asyncio
import tracemalloc
import uuid

from fakes import STREAM_CHUNK, STREAM_CHUNKS, FakeState, GatewayFactory, bearer

from shared.testing import TestSigner


async def test_large_download_streams_through_without_being_buffered(
    gateway_client: GatewayFactory, signer: TestSigner, fake_state: FakeState
) -> None:
    fake_state.stream_release.clear()
    fake_state.stream_finished.clear()
    token = signer.access_token(account_id=uuid.uuid4())
    async with gateway_client(served=True, upstream_timeout_seconds=30) as gateway:
        tracemalloc.start()
        try:
            async with gateway.stream("GET", "/api/v1/uploads/download", headers=bearer(token)) as response:
                assert response.status_code == 200
                chunks = response.aiter_raw()
                first = await asyncio.wait_for(anext(chunks), 5)
                # the upstream holds its other chunks until released: the first byte arrived before the last was made
                assert first
                assert not fake_state.stream_finished.is_set()
                fake_state.stream_release.set()
                received = len(first)
                async for chunk in chunks:
                    received += len(chunk)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    body = STREAM_CHUNK * STREAM_CHUNKS
    assert received == body
    assert fake_state.stream_finished.is_set()
    # upstream, gateway and client share this process: their peak together stays far below the body
    assert peak < body / 4, f"peak {peak / 2**20:.1f} MiB for a {body / 2**20:.0f} MiB body"
