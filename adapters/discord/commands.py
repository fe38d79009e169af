"""Slash commands: each passes its options to a use case (`digest_core.usecases.usecases`) and renders
the result as embeds. A user error (bad input, no articles, rate limited) gets an ephemeral reply
saying why, never a public one. Building a digest may be slow, so those commands defer first
(unless the digest is archived: then it is the answer itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from datetime import date
from typing import Any

import discord
from discord import app_commands

from adapters.discord.embeds import escaped, render_digest, render_sources
from adapters.discord.publisher import NO_MENTIONS, PLATFORM, destination_for
from digest_core.delivery.ports import Destination
from digest_core.delivery.subscriptions import Subscription
from digest_core.editorial.trend import DEFAULT_DAYS, MAX_DAYS, Trend
from digest_core.errors import CommandError, UserError
from digest_core.models import Digest
from digest_core.topics import Topic
from digest_core.usecases.commands import no_subscriptions, paused_because, usage
from digest_core.usecases.usecases import DigestCommand, DigestQuery, UseCases

log = logging.getLogger(__name__)

MAX_CHOICES = 25
RECENT_DATES = 25
ARCHIVE_READ_LIMIT = 1.0  # seconds to read an archived digest before deferring instead
DESTINATION_TYPES = (
    discord.ChannelType.text,
    discord.ChannelType.news,
    discord.ChannelType.forum,
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)
MANAGE_CHANNELS_NEEDED = "You need the **Manage Channels** permission to change subscriptions here."
Renderer = Callable[[Digest], list[list[discord.Embed]]]
PickedChannel = app_commands.AppCommandChannel | app_commands.AppCommandThread


class DestinationChannel(app_commands.Transformer):
    """A channel option limited to what can receive digests: text, announcement, forum, thread."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return list(DESTINATION_TYPES)

    async def transform(self, interaction: discord.Interaction, value: PickedChannel, /) -> PickedChannel:
        return value


ChannelOption = app_commands.Transform[PickedChannel, DestinationChannel]


async def reply(interaction: discord.Interaction, text: str, *, ephemeral: bool = True) -> None:
    """Answer with text, as the first response or as a follow-up; mentions never ping."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)
    else:
        await interaction.response.send_message(text, ephemeral=ephemeral, allowed_mentions=NO_MENTIONS)


async def refuse_after_defer(interaction: discord.Interaction, text: str) -> None:
    """An ephemeral answer after a public deferral: the "thinking" message is deleted first (the
    first follow-up would otherwise replace it, visible to everyone)."""
    await interaction.delete_original_response()
    await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)


async def send_messages(interaction: discord.Interaction, messages: list[list[discord.Embed]]) -> None:
    """One message per list of embeds, in order: the first as the interaction's response unless it
    was deferred, the others as follow-ups."""
    for embeds in messages:
        if interaction.response.is_done():
            await interaction.followup.send(embeds=embeds, allowed_mentions=NO_MENTIONS)
        else:
            await interaction.response.send_message(embeds=embeds, allowed_mentions=NO_MENTIONS)


def _target(interaction: discord.Interaction, channel: PickedChannel | None) -> Destination:
    """The destination a subscription command is about: the picked channel, else the current one.
    `CommandError` when the user may not manage it or it cannot receive digests."""
    if channel is None:
        current = interaction.channel
        if isinstance(current, discord.Thread):
            return destination_for(current.parent_id, current.id)
        if current is None or getattr(current, "type", None) not in DESTINATION_TYPES:
            raise CommandError("This channel cannot receive digests: pick a text channel, forum or thread.")
        return destination_for(current.id)
    if channel.type not in DESTINATION_TYPES:
        raise CommandError("Pick a text channel, announcement channel, forum or thread.")
    if not channel.permissions.manage_channels:
        raise CommandError(f"You need the **Manage Channels** permission in {channel.mention}.")
    if isinstance(channel, app_commands.AppCommandThread):
        return destination_for(channel.parent_id, channel.id)
    return destination_for(channel.id)


def _check_bot_can_post(interaction: discord.Interaction) -> None:
    """`CommandError` when the bot itself could not post digests in the current channel."""
    perms = interaction.app_permissions
    post = perms.send_messages_in_threads if isinstance(interaction.channel, discord.Thread) else perms.send_messages
    if not (post and perms.embed_links):
        raise CommandError("I cannot post digests here: give me **Send Messages** and **Embed Links** in this channel.")


def escape_reply(text: str) -> str:
    """A user-facing message (which may quote what the user typed) as inert Discord markdown."""
    return discord.utils.escape_mentions(discord.utils.escape_markdown(text))


def _mention(destination: Destination) -> str:
    return f"<#{destination.thread_id or destination.id}>"


Choices = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]
DATE_HELP = "YYYY-MM-DD, today or yesterday (default: latest complete day)"


def install_commands(
    tree: app_commands.CommandTree,
    usecases: UseCases,
    page_link: Callable[[Digest], str | None] = lambda _: None,
) -> None:
    """Add every Digestbot slash command to `tree`, answering from the use cases
    (`page_link`: a digest's page on the site, to end the digest with)."""
    topic_choices, date_choices = topic_choices_of(usecases), date_choices_of(usecases)
    commands = [
        *digest_commands(usecases, page_link, topic_choices, date_choices),
        trend_command(usecases, topic_choices),
        topics_command(usecases),
        *subscription_commands(usecases, topic_choices),
        subscriptions_command(usecases),
    ]
    for command in commands:
        tree.add_command(command)
    tree.error(answer_command_error)


def topic_choices_of(usecases: UseCases) -> Choices:
    """Autocomplete for a topic option: the topics whose id or name contains what was typed."""

    async def topic_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower()
        found = [t for t in usecases.topics if needle in t.id or needle in t.name.lower()]
        return [app_commands.Choice(name=f"{t.name} ({t.id})"[:100], value=t.id) for t in found[:MAX_CHOICES]]

    return topic_choices


def date_choices_of(usecases: UseCases) -> Choices:
    """Autocomplete for a date option: the chosen topic's recent archived days that start with what was typed."""

    async def date_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        topic_id = getattr(interaction.namespace, "topic", None)
        try:
            topic = usecases.topic(topic_id, "")
        except CommandError:
            return []
        days: list[date] = await usecases.recent_dates(topic, RECENT_DATES)
        values = [d.isoformat() for d in days if d.isoformat().startswith(current.strip())]
        return [app_commands.Choice(name=v, value=v) for v in values[:MAX_CHOICES]]

    return date_choices


async def answer_digest_query(
    interaction: discord.Interaction,
    usecases: UseCases,
    command: DigestCommand,
    args: list[str | None],
    render: Renderer,
) -> None:
    """Answer `/digest`, `/latest` or `/sources` with the digest rendered; the use case decides
    (bad input refused before anything is read, an archived digest at once, else built). Before
    a build, or when the archive is slower than `ARCHIVE_READ_LIMIT`, defer: Discord allows 3 s
    for the first answer. A user error is answered privately (after a deferral, the public
    "thinking" is removed first)."""

    @contextlib.asynccontextmanager
    async def deferred() -> AsyncIterator[None]:
        await interaction.response.defer(thinking=True)
        yield

    query = DigestQuery(command, args, usage(command, "discord"), requester=f"discord:{interaction.user.id}")
    try:
        found = await usecases.answer(query, deferred, archive_limit=ARCHIVE_READ_LIMIT)
    except UserError as exc:
        if interaction.response.is_done():
            await refuse_after_defer(interaction, escape_reply(str(exc)))
        else:
            await reply(interaction, escape_reply(str(exc)))
        return
    await send_messages(interaction, render(found.digest))


def digest_commands(
    usecases: UseCases,
    page_link: Callable[[Digest], str | None],
    topic_choices: Choices,
    date_choices: Choices,
) -> list[app_commands.Command]:
    """`/digest`, `/latest` and `/sources`: one digest query each, rendered as embeds."""

    def with_page(digest: Digest) -> list[list[discord.Embed]]:
        return render_digest(digest, page_link(digest))

    @app_commands.command(name="digest", description="Show a topic's digest for a date (default: the latest).")
    @app_commands.describe(topic="Topic", date=DATE_HELP)
    @app_commands.autocomplete(topic=topic_choices, date=date_choices)
    async def digest(interaction: discord.Interaction, topic: str, date: str | None = None) -> None:
        await answer_digest_query(interaction, usecases, "digest", [topic, date], with_page)

    @app_commands.command(name="latest", description="Show a topic's latest digest.")
    @app_commands.describe(topic="Topic")
    @app_commands.autocomplete(topic=topic_choices)
    async def latest(interaction: discord.Interaction, topic: str) -> None:
        await answer_digest_query(interaction, usecases, "latest", [topic], with_page)

    @app_commands.command(name="sources", description="List the articles a topic's digest is based on.")
    @app_commands.describe(topic="Topic", date=DATE_HELP)
    @app_commands.autocomplete(topic=topic_choices, date=date_choices)
    async def sources(interaction: discord.Interaction, topic: str, date: str | None = None) -> None:
        await answer_digest_query(interaction, usecases, "sources", [topic, date], render_sources)

    return [digest, latest, sources]


def trend_command(usecases: UseCases, topic_choices: Choices) -> app_commands.Command:
    """`/trend`: the coverage chart of a topic's archive as a PNG."""

    @app_commands.command(name="trend", description="Chart a topic's articles per side per day from the archive.")
    @app_commands.describe(topic="Topic", days="How many days, ending with the latest (1-90, default 14)")
    @app_commands.autocomplete(topic=topic_choices)
    async def trend(
        interaction: discord.Interaction, topic: str, days: app_commands.Range[int, 1, MAX_DAYS] = DEFAULT_DAYS
    ) -> None:
        try:  # the archive answers fast: only drawing needs a deferral
            chart = await usecases.trend(topic, str(days), usage("trend", "discord"))
        except UserError as exc:
            await reply(interaction, escape_reply(str(exc)))
            return
        await interaction.response.defer(thinking=True)
        await send_trend_chart(interaction, chart)

    return trend


async def send_trend_chart(interaction: discord.Interaction, chart: Trend) -> None:
    """Draw the chart off the event loop and send it, captioned, as the deferred answer."""
    from adapters.chart import render_trend_png  # lazy: matplotlib loads on the first chart

    png = await asyncio.to_thread(render_trend_png, chart)
    text = (
        f"**{escaped(chart.topic_name, 100)}**: articles per side per day, {chart.start} to {chart.end} "
        f"({chart.archived} of {len(chart.days)} days archived)"
    )
    file = discord.File(io.BytesIO(png), filename=f"{chart.topic_id}-trend.png")
    await interaction.followup.send(text, file=file, allowed_mentions=NO_MENTIONS)


def topics_command(usecases: UseCases) -> app_commands.Command:
    """`/topics`: every topic with its sides, outlets and publish time."""

    @app_commands.command(name="topics", description="List the topics and their perspectives.")
    async def topics(interaction: discord.Interaction) -> None:
        await interaction.response.send_message(embed=topics_embed(usecases.topics), allowed_mentions=NO_MENTIONS)

    return topics


def topics_embed(topics: Iterable[Topic]) -> discord.Embed:
    """One field per topic (25 at most, Discord's limit): its id, publish time and each side's outlets."""
    embed = discord.Embed(title="Topics")
    for t in list(topics)[:25]:
        sides = ", ".join(
            f"{escaped(p.name, 80)}: {sum(1 for o in p.outlets if t.reads(o))} outlets" for p in t.perspectives
        )
        value = f"`{t.id}` · daily at {t.publish_time:%H:%M} {t.timezone}\n{sides}"
        embed.add_field(name=escaped(t.name, 256), value=value[:1024], inline=False)
    return embed


def subscription_commands(usecases: UseCases, topic_choices: Choices) -> list[app_commands.Command]:
    """`/subscribe` and `/unsubscribe`: for server members who may manage channels."""

    @app_commands.command(name="subscribe", description="Post a topic's daily digest in a channel, forum or thread.")
    @app_commands.describe(topic="Topic", channel="Where to post (default: this channel)")
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    async def subscribe(interaction: discord.Interaction, topic: str, channel: ChannelOption | None = None) -> None:
        await change_subscription(interaction, usecases, topic, channel, on=True)

    @app_commands.command(name="unsubscribe", description="Stop posting a topic's daily digest in a channel.")
    @app_commands.describe(topic="Topic", channel="Which channel (default: this channel)")
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    async def unsubscribe(interaction: discord.Interaction, topic: str, channel: ChannelOption | None = None) -> None:
        await change_subscription(interaction, usecases, topic, channel, on=False)

    return [subscribe, unsubscribe]


async def change_subscription(
    interaction: discord.Interaction, usecases: UseCases, topic: str, channel: PickedChannel | None, on: bool
) -> None:
    """Subscribe (`on`) or unsubscribe the picked channel (default: this one) and say what changed;
    an answer that changed nothing is private."""
    command_usage = usage("subscribe" if on else "unsubscribe", "discord")
    try:
        usecases.topic(topic, command_usage)
    except CommandError as exc:
        await reply(interaction, escape_reply(str(exc)))
        return
    try:  # the adapter's own messages, in Discord markdown
        destination = _target(interaction, channel)
        if on and channel is None:
            _check_bot_can_post(interaction)
    except CommandError as exc:
        await reply(interaction, str(exc))
        return
    if on:
        change = await usecases.subscribe(destination, topic, command_usage)
    else:
        change = await usecases.unsubscribe(destination, topic, command_usage)
    text = subscription_change_text(_mention(destination), escaped(change.topic.name, 100), on, change.changed)
    log.info("%s %s %s: %s", "subscribe" if on else "unsubscribe", destination, change.topic.id, change.changed)
    await reply(interaction, text, ephemeral=not change.changed)


def subscription_change_text(where: str, name: str, on: bool, changed: bool) -> str:
    """What a subscribe (`on`) or unsubscribe did to `where`, for the topic named `name` (both escaped)."""
    if on:
        return (
            f"{where} will receive the daily **{name}** digest."
            if changed
            else f"{where} already receives the **{name}** digest."
        )
    return (
        f"{where} will no longer receive the **{name}** digest."
        if changed
        else f"{where} was not subscribed to **{name}**."
    )


def subscriptions_command(usecases: UseCases) -> app_commands.Command:
    """`/subscriptions`: this server's subscriptions, paused ones with the reason."""

    @app_commands.command(name="subscriptions", description="List this server's digest subscriptions.")
    @app_commands.guild_only()
    async def subscriptions(interaction: discord.Interaction) -> None:
        mine = await usecases.subscriptions(PLATFORM, server_destination_ids(interaction))
        if not mine:
            await reply(interaction, no_subscriptions("this server", f"`{usage('subscribe', 'discord')}`"))
            return
        await reply(interaction, subscriptions_text(mine))

    return subscriptions


def server_destination_ids(interaction: discord.Interaction) -> set[str]:
    """The ids a subscription of this server can have: this channel, the server's channels and threads."""
    ids = {str(interaction.channel_id)}
    guild = interaction.guild
    if guild is not None:
        ids |= {str(c.id) for c in guild.channels} | {str(t.id) for t in guild.threads}
    return ids


def subscriptions_text(subscriptions: Iterable[Subscription]) -> str:
    """One line per subscription (topic, where, paused and why), within Discord's 2,000 characters."""
    lines = []
    for s in subscriptions:
        reason = paused_because(s)
        state = f" (paused: {escaped(reason, 200)})" if reason else ""
        lines.append(f"• `{s.topic}` → {_mention(s.destination)}{state}")
    return "\n".join(lines)[:2000]


async def answer_command_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
    """A command's failure answered privately: missing permission, not in a server, a channel of the wrong
    kind; anything else is logged and answered with an apology."""
    if isinstance(error, app_commands.MissingPermissions):
        await reply(interaction, MANAGE_CHANNELS_NEEDED)
    elif isinstance(error, app_commands.NoPrivateMessage):
        await reply(interaction, "This command works only in a server channel.")
    elif isinstance(error, app_commands.TransformerError):
        await reply(interaction, "Pick a text channel, announcement channel, forum or thread.")
    else:
        log.error("/%s failed", interaction.command.name if interaction.command else "?", exc_info=error)
        await reply(interaction, "Sorry, that failed on our side. Please try again later.")
