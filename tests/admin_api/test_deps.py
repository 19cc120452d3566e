"""Access: API keys, roles, the lockout after wrong keys (admin_api/deps.py, faq/apikeys.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from admin_api import ApiConfig
from admin_api.clients import parse_networks
from faq.apikeys import ApiKeyRegistry, Role
from tests.admin_api.conftest import Api, ApiFactory

E, M, A = Role.EDITOR, Role.MANAGER, Role.ADMIN
YAML_FILE = {"file": ("faq.yaml", b"entries: []\n", "application/yaml")}

# (method, path, what a request carries, roles allowed besides admin)
ENDPOINTS: list[tuple[str, str, dict[str, Any], set[Role]]] = [
    ("GET", "/api/v1/faq", {}, {E, M}),
    ("GET", "/api/v1/faq/privacy", {}, {E, M}),
    ("GET", "/api/v1/faq/privacy/history", {}, {E, M}),
    ("GET", "/api/v1/faq/privacy/history/1", {}, {E, M}),
    ("GET", "/api/v1/faq/export", {}, {E, M}),
    ("POST", "/api/v1/faq", {"json": {}}, {E}),
    ("PUT", "/api/v1/faq/privacy", {"json": {}}, {E}),
    ("DELETE", "/api/v1/faq/privacy", {}, {E}),
    ("POST", "/api/v1/faq/privacy/rollback/1", {}, {E}),
    ("POST", "/api/v1/faq/import?dry_run=true", {"files": YAML_FILE}, {E}),
    ("GET", "/api/v1/audit", {}, {E, M}),
    ("POST", "/api/v1/match", {"json": {"q": "visa"}}, {E, M}),
    ("GET", "/api/v1/stats/summary", {}, {M}),
    ("GET", "/api/v1/stats/daily", {}, {M}),
    ("GET", "/api/v1/stats/entries", {}, {M}),
    ("GET", "/api/v1/inbox", {}, {E}),
    ("POST", "/api/v1/inbox/1-0/attach", {"json": {"entry": "privacy"}}, {E}),
    ("POST", "/api/v1/inbox/1-0/dismiss", {}, {E}),
    ("GET", "/api/v1/keys", {}, set()),
    ("POST", "/api/v1/keys", {"json": {"name": "x", "role": "editor"}}, set()),
    ("DELETE", "/api/v1/keys/abcdef", {}, set()),
]


async def test_every_endpoint_enforces_its_roles(api_factory: ApiFactory) -> None:
    wrong: list[str] = []
    async with api_factory(ApiConfig(auth_max_failures=1000)) as api:
        for method, path, kwargs, allowed in ENDPOINTS:
            res = await api.http.request(method, path, **kwargs)
            if res.status_code != 401 or res.json()["error"]["code"] != "unauthorized":
                wrong.append(f"{method} {path} without a key: {res.status_code}")
            res = await api.http.request(method, path, headers={
                "Authorization": "Bearer imk_this-key-does-not-exist-000000"}, **kwargs)
            if res.status_code != 401:
                wrong.append(f"{method} {path} with an unknown key: {res.status_code}")
            for role in Role:
                res = await api.http.request(method, path, headers=api.auth(role), **kwargs)
                if role is A or role in allowed:
                    if res.status_code in (401, 403):
                        wrong.append(f"{method} {path} as {role}: refused {res.status_code}")
                elif res.status_code != 403 or res.json()["error"]["code"] != "forbidden":
                    wrong.append(f"{method} {path} as {role}: {res.status_code}, not 403")
    assert not wrong, "\n".join(wrong)


async def test_401_and_403_say_what_to_do(api: Api) -> None:
    res = await api.http.get("/api/v1/faq")
    assert res.status_code == 401
    assert res.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in res.json()["error"]["message"]
    res = await api.http.get("/api/v1/faq", headers={"Authorization": "Basic dXNlcjpwdw=="})
    assert res.status_code == 401
    res = await api.http.get("/api/v1/stats/summary", headers=api.auth("editor"))
    assert res.status_code == 403
    body = res.json()["error"]
    assert "editor" in body["message"] and "manager" in body["message"]
    assert body["details"]["role"] == "editor"


def bearer(key: str, forwarded_for: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {key}"}
    if forwarded_for is not None:
        headers["X-Forwarded-For"] = forwarded_for
    return headers


async def test_wrong_keys_are_locked_out_but_a_valid_key_always_works(
        api_factory: ApiFactory) -> None:
    """Issue 13: after 10 wrong keys from one address every valid key got 429 (behind a NAT or
    an office proxy that is everyone). Now only wrong keys are refused."""
    async with api_factory(ApiConfig(auth_max_failures=3, auth_window_seconds=60)) as api:
        bad = bearer("imk_guessing-guessing-guessing-1")
        for _ in range(3):
            assert (await api.http.get("/api/v1/faq", headers=bad)).status_code == 401
        res = await api.http.get("/api/v1/faq", headers=bad)
        assert res.status_code == 429
        assert res.json()["error"]["code"] == "too_many_failures"
        assert 1 <= int(res.headers["retry-after"]) <= 60
        # Another wrong key from the same address is refused too: the address is counted.
        other = bearer("imk_someone-else-entirely-000000")
        assert (await api.http.get("/api/v1/faq", headers=other)).status_code == 429
        # Staff on the same address keep working, admin and editor alike.
        for role in (Role.ADMIN, Role.EDITOR, Role.MANAGER):
            res = await api.http.get("/api/v1/faq", headers=api.auth(role))
            assert res.status_code == 200, (role, res.text)
        # The count lives in Redis (shared by every API process), keyed by the address.
        assert await api.services.redis.get("im:authfail:addr:127.0.0.1") == "3"


async def test_one_key_prefix_is_counted_across_addresses(api_factory: ApiFactory) -> None:
    """Guesses at one key from many addresses (behind a trusted proxy) are counted together."""
    config = ApiConfig(auth_max_failures=3, auth_window_seconds=60,
                       trusted_proxies=parse_networks(["127.0.0.1"]))
    async with api_factory(config) as api:
        for i in range(3):
            res = await api.http.get("/api/v1/faq", headers=bearer(
                f"imk_AbCdEfGh-guess-number-{i:08d}", forwarded_for=f"203.0.113.{i + 1}"))
            assert res.status_code == 401
        # A fresh address, the same key prefix: locked out.
        res = await api.http.get("/api/v1/faq", headers=bearer(
            "imk_AbCdEfGh-guess-number-99999999", forwarded_for="203.0.113.50"))
        assert res.status_code == 429
        # A fresh address with another key is only told the key is wrong.
        res = await api.http.get("/api/v1/faq", headers=bearer(
            "imk_ZyXwVuTs-guess-number-00000000", forwarded_for="203.0.113.51"))
        assert res.status_code == 401
        # The counters hold no part of any key.
        names = " ".join(await api.services.redis.keys("im:authfail:*"))
        assert "AbCdEfGh" not in names and "203.0.113.1" in names


async def test_a_forged_forwarded_for_is_ignored_without_trusted_proxies(
        api_factory: ApiFactory) -> None:
    """Issue 13: a client on 127.0.0.1 could pose as any address with X-Forwarded-For."""
    async with api_factory(ApiConfig(auth_max_failures=3, auth_window_seconds=60)) as api:
        for i in range(3):
            res = await api.http.get("/api/v1/faq", headers=bearer(
                f"imk_forged-forged-forged-{i:06d}", forwarded_for=f"198.51.100.{i + 1}"))
            assert res.status_code == 401
        res = await api.http.get("/api/v1/faq", headers=bearer(
            "imk_forged-again-forged-000000", forwarded_for="198.51.100.99"))
        assert res.status_code == 429  # every try was counted against the real peer
        names = await api.services.redis.keys("im:authfail:addr:*")
        assert names == ["im:authfail:addr:127.0.0.1"]


async def test_a_forwarded_value_that_is_not_an_ip_is_ignored(api_factory: ApiFactory) -> None:
    config = ApiConfig(auth_max_failures=100, trusted_proxies=parse_networks(["127.0.0.0/8"]))
    async with api_factory(config) as api:
        for value in ("<script>alert(1)</script>", "unknown", "203.0.113.9, not-an-ip",
                      "999.1.1.1", ""):
            res = await api.http.get("/api/v1/faq", headers=bearer(
                "imk_forwarded-junk-junk-000000", forwarded_for=value))
            assert res.status_code == 401
        names = sorted(await api.services.redis.keys("im:authfail:addr:*"))
        assert names == ["im:authfail:addr:127.0.0.1"]


async def test_wrong_key_answers_say_nothing_about_the_key(api: Api) -> None:
    """Unknown, revoked and malformed keys get the same answer: nothing to learn from it."""
    registry = ApiKeyRegistry(api.services.redis, api.services.keys)
    secret, info = await registry.create(Role.EDITOR, "soon revoked")
    await registry.revoke(info.id)
    answers = set()
    for key in (secret, "imk_unknown-unknown-unknown-0000", "short", "x" * 200, "imk_" + "-" * 20):
        res = await api.http.get("/api/v1/faq", headers=bearer(key))
        assert res.status_code == 401
        answers.add((res.text, res.headers["www-authenticate"]))
    assert len(answers) == 1


async def test_the_lockout_ends_with_its_window(api_factory: ApiFactory) -> None:
    async with api_factory(ApiConfig(auth_max_failures=2, auth_window_seconds=1)) as api:
        bad = {"Authorization": "Bearer imk_guessing-guessing-guessing-2"}
        for _ in range(2):
            await api.http.get("/api/v1/faq", headers=bad)
        assert (await api.http.get("/api/v1/faq", headers=bad)).status_code == 429
        await asyncio.sleep(1.3)
        assert (await api.http.get("/api/v1/faq", headers=api.auth("editor"))).status_code == 200


async def test_a_missing_key_does_not_count_as_a_guess(api_factory: ApiFactory) -> None:
    async with api_factory(ApiConfig(auth_max_failures=2)) as api:
        for _ in range(5):
            assert (await api.http.get("/api/v1/faq")).status_code == 401
        assert (await api.http.get("/api/v1/faq", headers=api.auth("editor"))).status_code == 200


async def test_a_revoked_key_is_refused_at_once(api: Api) -> None:
    registry = ApiKeyRegistry(api.services.redis, api.services.keys)
    secret, info = await registry.create(Role.EDITOR, "temp helper")
    headers = {"Authorization": f"Bearer {secret}"}
    assert (await api.http.get("/api/v1/faq", headers=headers)).status_code == 200
    await registry.revoke(info.id[:6])
    assert (await api.http.get("/api/v1/faq", headers=headers)).status_code == 401


async def test_keys_are_stored_only_as_sha256(api: Api) -> None:
    redis = api.services.redis
    dump = []
    for key in await redis.keys("im:keys*"):
        dump.append(key)
        kind = await redis.type(key)
        if kind == "hash":
            dump += [f"{k}={v}" for k, v in (await redis.hgetall(key)).items()]
        elif kind == "set":
            dump += list(await redis.smembers(key))
    text = "\n".join(dump)
    assert len(await redis.smembers("im:keys")) == len(Role)
    for secret in api.keys.values():
        assert secret not in text
        assert secret[4:20] not in text
