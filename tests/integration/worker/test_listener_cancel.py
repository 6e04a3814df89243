"""The stream listener stops when cancelled, whenever the cancellation lands.

redis-py can lose a cancellation that arrives as a blocking XREADGROUP returns; the listener
then read on and a worker's shutdown waited forever (CI, stop 15). A short block time puts
many block boundaries inside the window where the receiver is cancelled.
"""

from __future__ import annotations

import asyncio
import random

from taskiq.api import run_receiver_task

from tests.redis_server import redis_or_skip
from toneshootout.worker.broker import ResilientStreamBroker

ROUNDS = 60
BLOCK_MS = 20


async def test_receiver_stops_on_cancel_at_any_moment_of_a_blocking_read() -> None:
    rng = random.Random(15)
    with redis_or_skip() as redis:
        for round_ in range(ROUNDS):
            broker = ResilientStreamBroker(
                redis.url,
                queue_name=f"cancel-{round_}",
                consumer_group_name="workers",
                consumer_id="0",
                xread_block=BLOCK_MS,
            )
            await broker.startup()
            receiver = asyncio.create_task(
                run_receiver_task(broker, max_async_tasks=1, max_prefetch=0)
            )
            await asyncio.sleep(rng.uniform(0, 3 * BLOCK_MS / 1000))
            receiver.cancel()
            done, _ = await asyncio.wait({receiver}, timeout=10)
            assert done, f"round {round_}: the receiver ignored its cancellation"
            await broker.shutdown()
