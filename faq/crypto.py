"""Encrypting the one identifier that must be reversible: the chat to answer in.

Talking to a person and receiving alerts need the bot to write to someone first, which needs
their chat id; everything else about a person is a one-way keyed hash. The chat id is kept only
as a Fernet token (AES-128-CBC with HMAC-SHA256, from ``cryptography``) under a key the operator
sets; a copy of the database without the key names nobody.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken


class ChatCipherError(ValueError):
    """A key that is not a Fernet key, or a token that this key did not make."""


class ChatCipher:
    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise ChatCipherError(
                "the chat key must be 32 url-safe base64-encoded bytes (a Fernet key); "
                "see INFOMIGRA_CHAT_KEY in the README") from exc

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode()

    def encrypt(self, chat_id: int) -> str:
        return self._fernet.encrypt(str(chat_id).encode()).decode()

    def decrypt(self, token: str) -> int:
        try:
            return int(self._fernet.decrypt(token.encode()))
        except (InvalidToken, ValueError) as exc:
            raise ChatCipherError("this chat token was not made with the configured key") \
                from exc
