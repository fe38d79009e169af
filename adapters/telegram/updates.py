"""Concurrent update handling for PTB: different chats at once, each chat's updates in order.

PTB handles one update at a time unless the Application gets an update processor. With
`PerChatUpdateProcessor`, a slow command in one chat (an on-demand build, a multi-part reply paced
at about one message per second) no longer holds up every other chat, while the commands of one
chat still run one after another, in the order they arrived.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Hashable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from adapters.telegram.ratelimit import replying

MAX_CONCURRENT_UPDATES = 256  # updates in progress or waiting for their chat; later ones wait in PTB's queue


def chat_key(update: object) -> Hashable | None:
    """What orders an update: its chat (None: an update without a chat, handled at once)."""
    if isinstance(update, Update) and update.effective_chat is not None:
        return update.effective_chat.id
    return None


@dataclass
class _ChatTurn:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Updates of different chats run concurrently; those of one chat one at a time, in arrival order.

    asyncio locks wake their waiters first in, first out, and PTB starts one task per update in the
    order it fetched them, so a chat's updates keep their order. A chat's entry is dropped as soon
    as nothing of that chat is in progress, so memory follows the chats active right now.
    """

    def __init__(self, max_concurrent_updates: int = MAX_CONCURRENT_UPDATES) -> None:
        super().__init__(max_concurrent_updates)
        self._turns: dict[Hashable, _ChatTurn] = {}

    @property
    def active_chats(self) -> int:
        """Chats with an update in progress or waiting."""
        return len(self._turns)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Handle `update` in its chat's turn; what it sends is a reply (`replying`: before queued sends)."""
        key = chat_key(update)
        if key is None:
            with replying():
                await coroutine
            return
        turn = self._turns.setdefault(key, _ChatTurn())
        turn.waiting += 1
        try:
            async with turn.lock:
                with replying():
                    await coroutine
        finally:
            turn.waiting -= 1
            if turn.waiting == 0:
                del self._turns[key]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release: every update in progress belongs to PTB's tasks."""
