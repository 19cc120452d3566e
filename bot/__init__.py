"""Telegram front door: aiogram 3 routers, middlewares, keyboards."""
