"""MINUSMA facts bot: a cited-answer engine with a Telegram adapter on top."""

__version__ = "0.1.0"
