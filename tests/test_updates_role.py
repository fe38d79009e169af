"""One poller per bot token among the instances (Telegram allows one getUpdates consumer): the
standby polls when there is one, else the sender; when either dies the other polls. Real file
locks (flock, as for a SQLite file) between two "instances" in this process."""

from __future__ import annotations

from pathlib import Path

from bot.updates_role import UpdatesRole
from digest_core.delivery.sender_lock import FileSenderLock


class Poller:
    """Records whether it polls (the role's view of a bot)."""

    def __init__(self) -> None:
        self.polling = False
        self.starts = 0

    async def start_polling(self) -> None:
        self.polling, self.starts = True, self.starts + 1

    async def stop_polling(self) -> None:
        self.polling = False


async def no_wait(seconds: float) -> None:
    """The handover pause, passed at once (the test steps the instances in turn)."""


def instance(tmp_path: Path, worker: str, sender: dict[str, bool]) -> tuple[UpdatesRole, Poller]:
    lock = FileSenderLock(tmp_path / "db.telegram-x-updates.sender.lock", "telegram-x-updates", worker)
    poller = Poller()
    return UpdatesRole(lock, lambda: sender[worker], poller, worker, sleep=no_wait), poller


async def test_alone_the_sender_polls(tmp_path: Path) -> None:
    role, poller = instance(tmp_path, "a", {"a": True})
    await role.step()
    assert poller.polling


async def test_the_standby_polls_and_the_sender_stops_then_the_survivor_polls(tmp_path: Path) -> None:
    senders = {"a": True, "b": False}
    a, a_poller = instance(tmp_path, "a", senders)
    b, b_poller = instance(tmp_path, "b", senders)
    await a.step()
    assert a_poller.polling  # alone so far
    await b.step()  # the standby takes the updates lock (and, past its handover, polls)
    await a.step()  # the sender sees a standby: it stops
    assert b_poller.polling and not a_poller.polling
    for _ in range(3):  # steady: nothing changes
        await a.step()
        await b.step()
    assert (a_poller.starts, b_poller.starts) == (1, 1) and b_poller.polling and not a_poller.polling
    # The standby dies (its lock with it): the sender polls again.
    await b.lock.release()
    b_poller.polling = False
    await a.step()
    assert a_poller.polling


async def test_a_standby_that_becomes_the_sender_keeps_polling_and_frees_the_standby_place(tmp_path: Path) -> None:
    senders = {"a": True, "b": False}
    a, a_poller = instance(tmp_path, "a", senders)
    b, b_poller = instance(tmp_path, "b", senders)
    await b.step()
    assert b_poller.polling
    senders.update(a=False, b=True)  # the sender died; b took its sender lock over
    a_poller.polling = False
    await a.lock.release()
    await b.step()
    assert b_poller.polling and b_poller.starts == 1  # no gap in polling
    assert await b.lock.holder() is None  # the standby's place is free for a new instance
