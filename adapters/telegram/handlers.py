"""Telegram commands: each passes its arguments to a use case (`digest_core.usecases.usecases`) and
renders the result or the user error as HTML.

Replies are short HTML with every echoed argument escaped. Bad input gets one helpful reply and
changes nothing. Subscriptions in groups need a chat administrator; a channel is subscribed from a
private chat, after checking that both the user and the bot administer it.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass, replace
from typing import Any

from telegram import Bot, BotCommand, Chat, Message, Update
from telegram.constants import ChatAction, ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from adapters.telegram.publisher import PLATFORM, TelegramPublisher, chat_ref, describe
from adapters.telegram.render import render_digest, render_sources
from digest_core.delivery.ports import Destination
from digest_core.errors import Refusal, UserError
from digest_core.models import Digest
from digest_core.redaction import redact
from digest_core.usecases.arguments import split_args
from digest_core.usecases.commands import COMMANDS as CHAT_COMMANDS
from digest_core.usecases.commands import no_subscriptions, paused_because
from digest_core.usecases.usecases import DigestCommand, DigestQuery, SubscriptionChange, UseCases

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
Handler = Callable[[Update, Context], Coroutine[Any, Any, None]]

USAGE = {name: command.usage("telegram") for name, command in CHAT_COMMANDS.items()}
DESCRIPTIONS = {name: command.description for name, command in CHAT_COMMANDS.items()} | {"start": "Start here"}
COMMANDS = [BotCommand(name, text) for name, text in DESCRIPTIONS.items() if name != "start"]
_CHANNEL_REF = re.compile(r"^(@[A-Za-z][A-Za-z0-9_]{3,31}|-?\d{1,20})$")
_ADMINS = (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)
_TYPING_EVERY = 4.5  # seconds; a chat action shows for about 5


@dataclass(frozen=True)
class Where:
    """Where a command was typed: the chat, its forum topic, the user (None in channels)."""

    chat: Chat
    message: Message
    thread_id: int | None
    user_id: int | None

    @property
    def destination(self) -> Destination:
        return Destination(PLATFORM, str(self.chat.id), str(self.thread_id) if self.thread_id else None)


def _where(update: Update) -> Where | None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None:
        return None
    thread = message.message_thread_id if message.is_topic_message else None
    user = update.effective_user.id if update.effective_user else None
    return Where(chat, message, thread, user)


def requester(where: Where) -> str:
    """Who asked, for the on-demand build limits: the user, or the chat when no user is known (channels)."""
    return f"telegram:{where.user_id}" if where.user_id is not None else f"telegram:chat:{where.chat.id}"


def _esc(text: str) -> str:
    return html.escape(text, quote=False)


class TelegramCommands:
    """The command handlers; they hold the core services and the publisher, nothing else."""

    def __init__(self, usecases: UseCases, publisher: TelegramPublisher, shard: str = "") -> None:
        """`shard` names this bot among several ("" the primary): a subscription made through it
        records it, since a bot can only post where it was added."""
        self.usecases = usecases
        self.publisher = publisher
        self.shard = shard

    def register(self, app: Application) -> None:
        """Add every command (messages and channel posts, not edits) and an error logger."""
        only_new = filters.UpdateType.MESSAGE | filters.UpdateType.CHANNEL_POST
        handlers: dict[str, Handler] = {
            "start": self.help,
            "help": self.help,
            "topics": self.topics,
            "digest": self.digest,
            "latest": self.latest,
            "sources": self.sources,
            "trend": self.trend,
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "subscriptions": self.list_subscriptions,
        }
        for name, handler in handlers.items():
            app.add_handler(CommandHandler(name, self._guarded(handler), filters=only_new))
        app.add_error_handler(self._on_error)

    def _guarded(self, handler: Handler) -> Handler:
        async def run(update: Update, context: Context) -> None:
            where = _where(update)
            if where is None:
                return
            try:
                await handler(update, context)
            except (UserError, Refusal) as exc:
                text = _esc(str(exc)) if isinstance(exc, UserError) else str(exc)
                await self._reply(where, text)
            except TelegramError as exc:
                log.warning("%s in %s: %s", handler.__name__, where.destination, self._safe(exc))
                await self._reply(where, "Telegram did not answer as expected. Please try again later.")
            except Exception as exc:
                log.error("%s in %s failed: %s", handler.__name__, where.destination, self._safe(exc))
                await self._reply(where, "Sorry, something went wrong. Please try again later.")

        return run

    def _safe(self, exc: BaseException | None) -> str:
        return redact(describe(exc))

    async def _on_error(self, update: object, context: Context) -> None:
        log.error("telegram update failed: %s", self._safe(context.error))

    async def _reply(self, where: Where, text: str) -> None:
        try:
            await self.publisher.send_parts([text], where.destination)
        except Exception as exc:
            log.warning("could not reply in %s: %s", where.destination, self._safe(exc))

    @contextlib.asynccontextmanager
    async def _typing(self, bot: Bot, where: Where) -> AsyncIterator[None]:
        async def keep_typing() -> None:
            while True:
                with contextlib.suppress(TelegramError):
                    await bot.send_chat_action(where.chat.id, ChatAction.TYPING, message_thread_id=where.thread_id)
                await asyncio.sleep(_TYPING_EVERY)

        task = asyncio.create_task(keep_typing())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    # --- reading digests -------------------------------------------------------------------

    async def help(self, update: Update, context: Context) -> None:
        lines = ["<b>Digestbot</b>: one news topic, told by each side's own outlets, every day.", ""]
        lines += [
            f"{_esc(USAGE.get(name, '/' + name))} — {_esc(text)}"
            for name, text in DESCRIPTIONS.items()
            if name != "start"
        ]
        lines += ["", f"Topics: {_esc(', '.join(self.usecases.topics.ids))}"]
        where = _where(update)
        assert where is not None
        await self._reply(where, "\n".join(lines))

    async def topics(self, update: Update, context: Context) -> None:
        lines = ["<b>Topics</b>"]
        for topic in self.usecases.topics:
            sides = ", ".join(p.name for p in topic.perspectives)
            lines.append(
                f"<code>{_esc(topic.id)}</code> — {_esc(topic.name)} ({_esc(sides)}); daily at "
                f"{topic.publish_time:%H:%M} {_esc(topic.timezone)}"
            )
        where = _where(update)
        assert where is not None
        await self._reply(where, "\n".join(lines))

    async def _digest(self, context: Context, where: Where, command: DigestCommand) -> Digest | None:
        """The digest the command asks for (the use case decides: archived at once, else built while
        "typing" shows). A user error is replied (None)."""
        query = DigestQuery(command, context.args or [], USAGE[command], requester(where))
        try:
            return (await self.usecases.answer(query, lambda: self._typing(context.bot, where))).digest
        except UserError as exc:
            await self._reply(where, _esc(str(exc)))
        except Exception as exc:
            log.error("building a digest failed: %s", self._safe(exc))
            await self._reply(where, "Sorry, that digest could not be built just now. Please try again later.")
        return None

    async def digest(self, update: Update, context: Context) -> None:
        where = _where(update)
        assert where is not None
        if digest := await self._digest(context, where, "digest"):
            await self.publisher.send_parts(render_digest(digest, self.publisher.page_url(digest)), where.destination)

    async def latest(self, update: Update, context: Context) -> None:
        where = _where(update)
        assert where is not None
        if digest := await self._digest(context, where, "latest"):
            await self.publisher.send_parts(render_digest(digest, self.publisher.page_url(digest)), where.destination)

    async def sources(self, update: Update, context: Context) -> None:
        where = _where(update)
        assert where is not None
        if digest := await self._digest(context, where, "sources"):
            await self.publisher.send_parts(render_sources(digest), where.destination)

    async def trend(self, update: Update, context: Context) -> None:
        """The coverage chart from the archive, as a photo (nothing is built, so no build limit)."""
        where = _where(update)
        assert where is not None
        topic_text, days_text = split_args(context.args or [], 2, USAGE["trend"])
        chart = await self.usecases.trend(topic_text, days_text, USAGE["trend"])
        async with self._typing(context.bot, where):
            from adapters.chart import render_trend_png  # lazy: matplotlib loads on the first chart

            png = await asyncio.to_thread(render_trend_png, chart)
        caption = (
            f"<b>{_esc(chart.topic_name)}</b>: articles per side per day, {chart.start} to {chart.end} "
            f"({chart.archived} of {len(chart.days)} days archived)"
        )
        await self.publisher.send_photo(where.destination, png, f"{chart.topic_id}-trend.png", caption)

    # --- subscriptions ---------------------------------------------------------------------

    async def _is_admin(self, bot: Bot, chat_id: int, user_id: int) -> bool:
        member = await bot.get_chat_member(chat_id, user_id)
        if member.status == ChatMemberStatus.ADMINISTRATOR and getattr(member, "can_post_messages", None) is False:
            return user_id != bot.id  # a channel admin who may not post: fine for users, not for the bot
        return member.status in _ADMINS

    async def _target(self, context: Context, where: Where, channel: str | None) -> Destination:
        """The destination a subscription command changes, after the permission checks."""
        chat = where.chat
        if channel is not None and chat.type != ChatType.PRIVATE:
            raise Refusal("To manage a channel's subscriptions, send me the command in a private chat.")
        if chat.type == ChatType.PRIVATE and channel is None:
            return where.destination
        if chat.type == ChatType.CHANNEL:
            return where.destination  # only the channel's administrators can post commands in it
        if channel is None:  # a group
            sender = where.message.sender_chat
            if sender is not None and sender.id == chat.id:
                return where.destination  # an anonymous administrator posts as the group
            if where.user_id is None or not await self._is_admin(context.bot, chat.id, where.user_id):
                raise Refusal("Only the group's administrators can change its subscriptions.")
            return where.destination
        return await self._channel_target(context.bot, where, channel)

    async def _channel_target(self, bot: Bot, where: Where, channel: str) -> Destination:
        if len(channel) > 64 or not _CHANNEL_REF.match(channel):
            raise Refusal(f"{_esc(channel[:64])} is not a channel: give its @username or numeric id (-100…).")
        shown = _esc(channel)
        try:
            target = await bot.get_chat(chat_ref(channel))
            assert where.user_id is not None
            user_ok = await self._is_admin(bot, target.id, where.user_id)
            bot_ok = await self._is_admin(bot, target.id, bot.id)
        except (BadRequest, Forbidden):
            raise Refusal(f"I cannot see {shown}. Add me to it as an administrator, then try again.") from None
        shown = _esc(target.title or channel)
        if not user_ok:
            raise Refusal(f"Only administrators of {shown} can change its subscriptions.")
        if not bot_ok:
            raise Refusal(f"Make me an administrator of {shown} who may post messages, then try again.")
        return Destination(PLATFORM, str(target.id))

    def _sub_args(self, context: Context, usage: str) -> tuple[str, str | None]:
        """The topic (checked now, before any permission check) and the optional channel."""
        topic_text, channel = split_args(context.args or [], 2, usage)
        return self.usecases.topic(topic_text, usage).id, channel

    async def subscribe(self, update: Update, context: Context) -> None:
        where = _where(update)
        assert where is not None
        topic_id, channel = self._sub_args(context, USAGE["subscribe"])
        destination = replace(await self._target(context, where, channel), via=self.shard)
        change = await self.usecases.subscribe(destination, topic_id, USAGE["subscribe"])
        await self._reply(where, _changed(change, _place(destination, where)))

    async def unsubscribe(self, update: Update, context: Context) -> None:
        where = _where(update)
        assert where is not None
        topic_id, channel = self._sub_args(context, USAGE["unsubscribe"])
        destination = await self._target(context, where, channel)
        change = await self.usecases.unsubscribe(destination, topic_id, USAGE["unsubscribe"])
        await self._reply(where, _changed(change, _place(destination, where)))

    async def list_subscriptions(self, update: Update, context: Context) -> None:
        where = _where(update)
        assert where is not None
        (channel,) = split_args(context.args or [], 1, USAGE["subscriptions"])
        destination = where.destination
        if channel is not None:
            destination = await self._target(context, where, channel)
        subs = await self.usecases.subscriptions(PLATFORM, {destination.id})
        if not subs:
            await self._reply(where, no_subscriptions(_place(destination, where), _esc(USAGE["subscribe"])))
            return
        lines = [f"<b>Subscriptions</b> of {_place(destination, where)}:"]
        for sub in subs:
            thread = f" (forum topic {_esc(sub.destination.thread_id)})" if sub.destination.thread_id else ""
            reason = paused_because(sub)
            paused = f" (paused: {_esc(reason)})" if reason else ""
            lines.append(f"• <code>{_esc(sub.topic)}</code>{thread}{paused}")
        await self._reply(where, "\n".join(lines))


def _changed(change: SubscriptionChange, place: str) -> str:
    name = f"<b>{_esc(change.topic.name)}</b>"
    if change.subscribed and change.changed:
        when = f"{change.topic.publish_time:%H:%M} {change.topic.timezone}"
        return f"Subscribed {place} to {name}: a digest every day after {_esc(when)}."
    if change.subscribed:
        return f"{place.capitalize()} is already subscribed to {name}."
    if change.changed:
        return f"Unsubscribed {place} from {name}."
    return f"{place.capitalize()} was not subscribed to {name}."


def _place(destination: Destination, where: Where) -> str:
    if destination.id != str(where.chat.id):
        return f"channel <code>{_esc(destination.id)}</code>"
    if destination.thread_id:
        return "this forum topic"
    return "this chat" if where.chat.type == ChatType.PRIVATE else f"this {where.chat.type}"
