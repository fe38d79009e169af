"""Discord adapter: embeds, publisher, slash commands and the bot client (discord.py 2.7).

discord.py imports the standard library's `audioop` (voice support we do not use), deprecated
since Python 3.11; the warning is silenced here, once, so that `filterwarnings = error` test runs
and strict deployments can import the adapter.
"""

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="'audioop' is deprecated", category=DeprecationWarning)
    import discord  # noqa: F401 - imported once here, under the filter
