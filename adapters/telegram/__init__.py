"""Telegram adapter: HTML rendering and splitting, the publisher, the commands, the bot runner."""
