"""Slash commands: each passes its options to a use case (`digest_core.app.usecases`) and renders
the result as embeds. A user error (bad input, no articles, rate limited) gets an ephemeral reply
saying why, never a public one. Building a digest may be slow, so those commands defer first
(unless the digest is archived: then it is the answer itself).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator, Callable
from datetime import date

import discord
from discord import app_commands

from adapters.discord.embeds import escaped, render_digest, render_sources
from adapters.discord.publisher import NO_MENTIONS, PLATFORM, destination_for
from digest_core.app.commands import no_subscriptions, paused_because, usage
from digest_core.app.usecases import DigestCommand, DigestQuery, UseCases
from digest_core.delivery.ports import Destination
from digest_core.editorial.trend import DEFAULT_DAYS, MAX_DAYS
from digest_core.errors import CommandError, UserError
from digest_core.models import Digest

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


def install_commands(
    tree: app_commands.CommandTree,
    usecases: UseCases,
    page_link: Callable[[Digest], str | None] = lambda _: None,
) -> None:
    """Add every Digestbot slash command to `tree`, answering from the use cases
    (`page_link`: a digest's page on the site, to end the digest with)."""
    topics_ = usecases.topics

    async def topic_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        needle = current.strip().lower()
        found = [t for t in topics_ if needle in t.id or needle in t.name.lower()]
        return [app_commands.Choice(name=f"{t.name} ({t.id})"[:100], value=t.id) for t in found[:MAX_CHOICES]]

    async def date_choices(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        topic_id = getattr(interaction.namespace, "topic", None)
        try:
            topic = usecases.topic(topic_id, "")
        except CommandError:
            return []
        days: list[date] = await usecases.recent_dates(topic, RECENT_DATES)
        values = [d.isoformat() for d in days if d.isoformat().startswith(current.strip())]
        return [app_commands.Choice(name=v, value=v) for v in values[:MAX_CHOICES]]

    async def answer(
        interaction: discord.Interaction, command: DigestCommand, args: list[str | None], render: Renderer
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

    date_help = "YYYY-MM-DD, today or yesterday (default: latest complete day)"

    @app_commands.command(name="digest", description="Show a topic's digest for a date (default: the latest).")
    @app_commands.describe(topic="Topic", date=date_help)
    @app_commands.autocomplete(topic=topic_choices, date=date_choices)
    async def digest(interaction: discord.Interaction, topic: str, date: str | None = None) -> None:
        await answer(interaction, "digest", [topic, date], lambda d: render_digest(d, page_link(d)))

    @app_commands.command(name="latest", description="Show a topic's latest digest.")
    @app_commands.describe(topic="Topic")
    @app_commands.autocomplete(topic=topic_choices)
    async def latest(interaction: discord.Interaction, topic: str) -> None:
        await answer(interaction, "latest", [topic], lambda d: render_digest(d, page_link(d)))

    @app_commands.command(name="sources", description="List the articles a topic's digest is based on.")
    @app_commands.describe(topic="Topic", date=date_help)
    @app_commands.autocomplete(topic=topic_choices, date=date_choices)
    async def sources(interaction: discord.Interaction, topic: str, date: str | None = None) -> None:
        await answer(interaction, "sources", [topic, date], render_sources)

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
        from adapters.chart import render_trend_png  # lazy: matplotlib loads on the first chart

        png = await asyncio.to_thread(render_trend_png, chart)
        text = (
            f"**{escaped(chart.topic_name, 100)}**: articles per side per day, {chart.start} to {chart.end} "
            f"({chart.archived} of {len(chart.days)} days archived)"
        )
        file = discord.File(io.BytesIO(png), filename=f"{chart.topic_id}-trend.png")
        await interaction.followup.send(text, file=file, allowed_mentions=NO_MENTIONS)

    @app_commands.command(name="topics", description="List the topics and their perspectives.")
    async def topics(interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="Topics")
        for t in list(topics_)[:25]:
            sides = ", ".join(
                f"{escaped(p.name, 80)}: {sum(1 for o in p.outlets if t.reads(o))} outlets" for p in t.perspectives
            )
            value = f"`{t.id}` · daily at {t.publish_time:%H:%M} {t.timezone}\n{sides}"
            embed.add_field(name=escaped(t.name, 256), value=value[:1024], inline=False)
        await interaction.response.send_message(embed=embed, allowed_mentions=NO_MENTIONS)

    async def change(interaction: discord.Interaction, topic: str, channel: PickedChannel | None, on: bool) -> None:
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
        where, name = _mention(destination), escaped(change.topic.name, 100)
        if on:
            text = (
                f"{where} will receive the daily **{name}** digest."
                if change.changed
                else (f"{where} already receives the **{name}** digest.")
            )
        else:
            text = (
                f"{where} will no longer receive the **{name}** digest."
                if change.changed
                else (f"{where} was not subscribed to **{name}**.")
            )
        log.info("%s %s %s: %s", "subscribe" if on else "unsubscribe", destination, change.topic.id, change.changed)
        await reply(interaction, text, ephemeral=not change.changed)

    @app_commands.command(name="subscribe", description="Post a topic's daily digest in a channel, forum or thread.")
    @app_commands.describe(topic="Topic", channel="Where to post (default: this channel)")
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    async def subscribe(interaction: discord.Interaction, topic: str, channel: ChannelOption | None = None) -> None:
        await change(interaction, topic, channel, on=True)

    @app_commands.command(name="unsubscribe", description="Stop posting a topic's daily digest in a channel.")
    @app_commands.describe(topic="Topic", channel="Which channel (default: this channel)")
    @app_commands.autocomplete(topic=topic_choices)
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_channels=True)
    @app_commands.checks.has_permissions(manage_channels=True)
    async def unsubscribe(interaction: discord.Interaction, topic: str, channel: ChannelOption | None = None) -> None:
        await change(interaction, topic, channel, on=False)

    @app_commands.command(name="subscriptions", description="List this server's digest subscriptions.")
    @app_commands.guild_only()
    async def subscriptions(interaction: discord.Interaction) -> None:
        guild = interaction.guild
        ids = {str(interaction.channel_id)}
        if guild is not None:
            ids |= {str(c.id) for c in guild.channels} | {str(t.id) for t in guild.threads}
        mine = await usecases.subscriptions(PLATFORM, ids)
        if not mine:
            await reply(interaction, no_subscriptions("this server", f"`{usage('subscribe', 'discord')}`"))
            return
        lines = []
        for s in mine:
            reason = paused_because(s)
            state = f" (paused: {escaped(reason, 200)})" if reason else ""
            lines.append(f"• `{s.topic}` → {_mention(s.destination)}{state}")
        await reply(interaction, "\n".join(lines)[:2000])

    @tree.error
    async def on_error(interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        if isinstance(error, app_commands.MissingPermissions):
            await reply(interaction, MANAGE_CHANNELS_NEEDED)
        elif isinstance(error, app_commands.NoPrivateMessage):
            await reply(interaction, "This command works only in a server channel.")
        elif isinstance(error, app_commands.TransformerError):
            await reply(interaction, "Pick a text channel, announcement channel, forum or thread.")
        else:
            log.error("/%s failed", interaction.command.name if interaction.command else "?", exc_info=error)
            await reply(interaction, "Sorry, that failed on our side. Please try again later.")

    commands: list[app_commands.Command] = [
        digest,
        latest,
        sources,
        trend,
        topics,
        subscribe,
        unsubscribe,
        subscriptions,
    ]
    for command in commands:
        tree.add_command(command)
