"""Every chat command once: its name, arguments and description, and its usage line as each front
end spells it (`/digest TOPIC [DATE]` on Telegram, `/digest topic [date]` on Discord).

Front ends register these names and quote these usage lines; the use cases (`usecases.py`) quote
them in their errors. The docs' table of commands per front end is checked against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the CLI quotes this module at start-up; the store's module loads SQLAlchemy
    from digest_core.delivery.subscriptions import Subscription

Style = Literal["telegram", "discord"]


@dataclass(frozen=True)
class Arg:
    name: str  # as Discord names the option
    optional: bool = False
    telegram: str = ""  # Telegram's spelling when it is not the name in capitals

    def shown(self, style: Style) -> str:
        text = self.name if style == "discord" else (self.telegram or self.name.upper())
        return f"[{text}]" if self.optional else text


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    args: tuple[Arg, ...] = ()

    def usage(self, style: Style) -> str:
        """The command as a user types it, e.g. `/digest TOPIC [DATE]`."""
        return " ".join([f"/{self.name}", *(a.shown(style) for a in self.args)])


_TOPIC = Arg("topic")
_DATE = Arg("date", optional=True)
_CHANNEL = Arg("channel", optional=True, telegram="@channel")

COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("digest", "Digest of a topic for a date (YYYY-MM-DD, today, yesterday)", (_TOPIC, _DATE)),
        Command("latest", "The latest digest of a topic", (_TOPIC,)),
        Command("sources", "The numbered source list of a digest", (_TOPIC, _DATE)),
        Command("trend", "Chart: articles per side per day (DAYS 1-90, default 14)", (_TOPIC, Arg("days", True))),
        Command("topics", "The topics I cover"),
        Command("subscribe", "Post a topic's digest here every day", (_TOPIC, _CHANNEL)),
        Command("unsubscribe", "Stop the daily digest of a topic here", (_TOPIC, _CHANNEL)),
        Command("subscriptions", "What this chat receives", (_CHANNEL,)),
        Command("help", "How to use this bot"),
    )
}


def usage(name: str, style: Style) -> str:
    return COMMANDS[name].usage(style)


def no_subscriptions(place: str, subscribe_usage: str) -> str:
    """The one reply when a place receives nothing (`place`, `subscribe_usage` already formatted)."""
    return f"No subscriptions for {place}. Add one with {subscribe_usage}."


def paused_because(subscription: Subscription) -> str | None:
    """Why a listed subscription receives nothing now (None when it is active)."""
    return None if subscription.active else (subscription.deactivated_reason or "unreachable")
