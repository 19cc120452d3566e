"""A fake Telegram Bot API server on loopback, strict where the real one is strict.

The bot talks to it through aiogram's real ``AiohttpSession`` (``TELEGRAM_API_URL`` pointed here),
so the whole HTTP path is exercised: form encoding, JSON replies, update parsing. It answers with
full objects (``getMe`` with ``is_bot``, callback queries with ``chat_instance``), records every
call, and refuses what Telegram refuses: malformed HTML, texts over 4,096 characters, callback data
over 64 bytes, an edit that changes nothing, a callback query answered twice.

On demand (``fail``) it answers with Telegram's real error replies: 429 with ``retry_after``,
403 blocked, 400 can't parse entities, 5xx, a dropped connection, 401; ``slow`` delays a method.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from faq.telegram_html import html_errors, visible_length

MESSAGE_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64
# Form fields that are plain strings even when they look like JSON ("123", "true").
STRING_FIELDS = {"text", "caption", "callback_query_id", "inline_query_id", "url",
                 "secret_token", "language_code", "parse_mode", "message_text", "title",
                 "description", "inline_message_id"}
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")


class BadRequest(Exception):
    def __init__(self, description: str, code: int = 400) -> None:
        super().__init__(description)
        self.description = description
        self.code = code


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: Any = None
    error: str | None = None
    injected: bool = False
    """The error was one the test asked for (``FakeTelegram.fail``)."""


# Telegram's replies, as the real Bot API sends them.
FAULTS: dict[str, tuple[int, str]] = {
    "retry_after": (429, "Too Many Requests: retry after {retry_after}"),
    "blocked": (403, "Forbidden: bot was blocked by the user"),
    "parse": (400, "Bad Request: can't parse entities: Unsupported start tag \"us$50\" at byte "
                   "offset 7"),
    "server": (502, "Bad Gateway"),
    "unauthorized": (401, "Unauthorized"),
    "edit": (400, "Bad Request: message can't be edited"),
    "too_old": (400, "Bad Request: query is too old and response timeout expired or query ID "
                     "is invalid"),
    "drop": (0, "connection dropped"),
}


@dataclass
class Fault:
    method: str
    kind: str
    times: int
    chat_id: int | None = None
    retry_after: int = 1


@dataclass
class TgUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None
    is_bot: bool = False

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot,
                                "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        return data

    def private_chat(self) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram attaches: a leading bot command, and @mentions (UTF-16 offsets)."""
    found = []
    for match in re.finditer(r"(?<!\S)(/[A-Za-z0-9_]+(?:@\w+)?|@\w+)", text):
        kind = "bot_command" if match.group(0).startswith("/") else "mention"
        if kind == "bot_command" and match.start() != 0:
            continue
        found.append({"type": kind, "offset": utf16_len(text[:match.start()]),
                      "length": utf16_len(match.group(0))})
    return found


@dataclass
class FakeTelegram:
    token: str
    bot_username: str = "InfoMigraTestBot"
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    url: str = ""
    webhook: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        self.bot_id = int(self.token.split(":", 1)[0])
        self._pending: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._inline_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self._open_callbacks: set[str] = set()
        self._open_inline: set[str] = set()
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._closing = False
        self.faults: list[Fault] = []
        self.delays: dict[str, float] = {}

    def fail(self, method: str, kind: str, *, times: int = 1, chat_id: int | None = None,
             retry_after: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with the
        Telegram error ``kind`` (a key of ``FAULTS``)."""
        assert kind in FAULTS, kind
        self.faults.append(Fault(method.lower(), kind, times, chat_id, retry_after))

    def slow(self, method: str, seconds: float) -> None:
        """``method`` takes ``seconds`` before it answers (a slow Telegram)."""
        self.delays[method.lower()] = seconds

    def _fault_for(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.method != method or fault.times <= 0:
                continue
            if fault.chat_id is not None and str(params.get("chat_id")) != str(fault.chat_id):
                continue
            fault.times -= 1
            return fault
        return None

    # -- server ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self._closing = True  # release long polls still waiting, so shutdown is immediate
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def bot_user(self) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "InfoMigra",
                "username": self.bot_username, "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": True,
                "can_connect_to_business": False, "has_main_web_app": False}

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            self.calls.append(Call(method, {}, error="Unauthorized"))
            await self._notify()
            return web.json_response({"ok": False, "error_code": 401,
                                      "description": "Unauthorized"}, status=401)
        params = _decode(await request.post())
        handler = getattr(self, "_m_" + method.lower(), None)
        if handler is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        call = Call(method, params)
        if method.lower() != "getupdates":
            self.calls.append(call)
        fault = self._fault_for(method.lower(), params)
        if fault is not None:
            return await self._inject(request, call, fault)
        delay = self.delays.get(method.lower())
        if delay:
            await asyncio.sleep(delay)
        try:
            result = await handler(params)
        except BadRequest as exc:
            call.error = exc.description
            await self._notify()
            return web.json_response({"ok": False, "error_code": exc.code,
                                      "description": f"Bad Request: {exc.description}"},
                                     status=exc.code)
        call.result = result
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _inject(self, request: web.Request, call: Call, fault: Fault) -> web.Response:
        code, description = FAULTS[fault.kind]
        call.error, call.injected = description.format(retry_after=fault.retry_after), True
        await self._notify()
        if fault.kind == "drop":  # the connection closes before any answer
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": call.error}
        if fault.kind == "retry_after":
            body["parameters"] = {"retry_after": fault.retry_after}
        return web.json_response(body, status=code)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0,
                       since: int = 0) -> Call:
        """The first call from index ``since`` on that satisfies ``predicate``."""
        async def find() -> Call:
            async with self._changed:
                while True:
                    for call in self.calls[since:]:
                        if predicate(call):
                            return call
                    await self._changed.wait()

        return await asyncio.wait_for(find(), timeout)

    # -- building updates (what users do) ---------------------------------------------------

    def _next_message_id(self, chat_id: int) -> int:
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def user_message(self, user: TgUser, text: str | None = None, *,
                     chat: dict[str, Any] | None = None, **content: Any) -> dict[str, Any]:
        chat = chat or user.private_chat()
        message: dict[str, Any] = {"message_id": self._next_message_id(chat["id"]),
                                   "date": int(time.time()), "chat": chat,
                                   "from": user.as_dict(), **content}
        if text is not None:
            message["text"] = text
            entities = entities_for(text)
            if entities:
                message["entities"] = entities
        self.messages[(chat["id"], message["message_id"])] = message
        return message

    def update(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self._update_ids), kind: payload}

    def callback(self, user: TgUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        query_id = f"cb{next(self._callback_ids)}"
        self._open_callbacks.add(query_id)
        return {"id": query_id, "from": user.as_dict(),
                "message": self.messages[(message["chat"]["id"], message["message_id"])],
                "chat_instance": f"ci{message['chat']['id']}", "data": data}

    def inline_query(self, user: TgUser, query: str) -> dict[str, Any]:
        query_id = f"iq{next(self._inline_ids)}"
        self._open_inline.add(query_id)
        return {"id": query_id, "from": user.as_dict(), "query": query, "offset": "",
                "chat_type": "sender"}

    async def push(self, update: dict[str, Any]) -> None:
        """Queue an update for the bot's next getUpdates (real long polling)."""
        self._pending.append(update)
        await self._notify()

    # -- Bot API methods ---------------------------------------------------------------------

    async def _m_getme(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    async def _m_getupdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset", 0) or 0)
        timeout = float(params.get("timeout", 0) or 0)
        if offset:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

        async def ready() -> None:
            async with self._changed:
                while not self._pending and not self._closing:
                    await self._changed.wait()

        try:
            await asyncio.wait_for(ready(), timeout)
        except TimeoutError:
            return []
        return self._pending[:100]

    async def _m_deletewebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = None
        return True

    async def _m_setwebhook(self, params: dict[str, Any]) -> bool:
        if not str(params.get("url", "")).startswith("https://"):
            raise BadRequest("bad webhook: An HTTPS URL must be provided for webhook")
        secret = str(params.get("secret_token", ""))
        if secret and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise BadRequest("secret token contains unallowed characters")
        self.webhook = params
        return True

    async def _m_setmycommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        if not 0 < len(commands) <= 100:
            raise BadRequest("BOT_COMMANDS_TOO_MUCH")
        for command in commands:
            if not COMMAND_RE.match(command.get("command", "")):
                raise BadRequest("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise BadRequest("BOT_COMMAND_DESCRIPTION_INVALID")
        return True

    async def _m_sendchataction(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_sendmessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        self._check_text(text, params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        chat = self._chat(chat_id)
        message: dict[str, Any] = {"message_id": self._next_message_id(chat_id),
                                   "date": int(time.time()), "chat": chat,
                                   "from": self.bot_user, "text": text}
        if markup:
            message["reply_markup"] = markup
        reply = params.get("reply_parameters")
        if isinstance(reply, dict):
            original = self.messages.get((chat_id, int(reply["message_id"])))
            if original is None and not reply.get("allow_sending_without_reply"):
                raise BadRequest("message to be replied not found")
            if original is not None:
                message["reply_to_message"] = original
        self.messages[(chat_id, message["message_id"])] = message
        return message

    async def _m_editmessagetext(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        text = str(params.get("text", ""))
        self._check_text(text, params.get("parse_mode"))
        markup = self._check_markup(params.get("reply_markup"))
        if text == message.get("text") and markup == message.get("reply_markup"):
            raise BadRequest("message is not modified: specified new message content and "
                             "reply markup are exactly the same as a current content and "
                             "reply markup of the message")
        message["text"] = text
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        return message

    async def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        message = self._bot_message(params)
        markup = self._check_markup(params.get("reply_markup"))
        if markup == message.get("reply_markup"):
            raise BadRequest("message is not modified: specified new message content and "
                             "reply markup are exactly the same as a current content and "
                             "reply markup of the message")
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        return message

    async def _m_answercallbackquery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id"))
        if query_id not in self._open_callbacks:
            raise BadRequest("query is too old and response timeout expired or query ID is "
                             "invalid")
        self._open_callbacks.discard(query_id)
        if len(str(params.get("text", ""))) > 200:
            raise BadRequest("MESSAGE_TOO_LONG")
        return True

    async def _m_answerinlinequery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("inline_query_id"))
        if query_id not in self._open_inline:
            raise BadRequest("query is too old and response timeout expired or query ID is "
                             "invalid")
        self._open_inline.discard(query_id)
        results = params.get("results") or []
        if len(results) > 50:
            raise BadRequest("RESULTS_TOO_MUCH")
        ids = [r.get("id", "") for r in results]
        if len(set(ids)) != len(ids) or any(not 0 < len(i.encode()) <= 64 for i in ids):
            raise BadRequest("RESULT_ID_INVALID")
        for result in results:
            if result.get("type") != "article" or not result.get("title"):
                raise BadRequest("RESULT_TITLE_EMPTY")
            content = result.get("input_message_content") or {}
            self._check_text(str(content.get("message_text", "")),
                             content.get("parse_mode", params.get("parse_mode")))
            self._check_markup(result.get("reply_markup"))
        return True

    # -- checks ------------------------------------------------------------------------------

    def _chat(self, chat_id: int) -> dict[str, Any]:
        for (cid, _), message in self.messages.items():
            if cid == chat_id:
                return dict(message["chat"])
        if chat_id > 0:
            return {"id": chat_id, "type": "private", "first_name": "?"}
        raise BadRequest("chat not found")

    def _bot_message(self, params: dict[str, Any]) -> dict[str, Any]:
        if "inline_message_id" in params:
            raise BadRequest("MESSAGE_ID_INVALID")
        key = (int(params["chat_id"]), int(params["message_id"]))
        message = self.messages.get(key)
        if message is None:
            raise BadRequest("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id:
            raise BadRequest("message can't be edited")
        return message

    @staticmethod
    def _check_text(text: str, parse_mode: Any) -> None:
        if not text.strip():
            raise BadRequest("message text is empty")
        if parse_mode == "HTML":
            errors = html_errors(text)
            if errors:
                raise BadRequest(f"can't parse entities: {errors[0]}")
            if visible_length(text) > MESSAGE_LIMIT:
                raise BadRequest("message is too long")
        elif len(text) > MESSAGE_LIMIT:
            raise BadRequest("message is too long")

    @staticmethod
    def _check_markup(markup: Any) -> dict[str, Any] | None:
        if not markup:
            return None
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise BadRequest("BUTTON_TEXT_EMPTY")
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= CALLBACK_DATA_LIMIT:
                    raise BadRequest("BUTTON_DATA_INVALID")
                if data is None and not button.get("url"):
                    raise BadRequest("BUTTON_TYPE_INVALID")
        return dict(markup)


def _decode(form: Any) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in form.items():
        if not isinstance(value, str):
            continue  # file uploads: not used by this bot
        if key in STRING_FIELDS:
            params[key] = value
            continue
        try:
            params[key] = json.loads(value)
        except ValueError:
            params[key] = value
    return params
