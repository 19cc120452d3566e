"""Moving a database written with the untagged key names (layout 1) to the hash-tagged ones.

Run at every start, before anything reads or writes: once the database is marked with
``LAYOUT_VERSION`` a start pays one GET. Each key moves with one atomic RENAME (TTLs and types
kept) and only when its new name is free, so two processes starting together, or a start after
an interrupted migration, move nothing twice and overwrite nothing.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from redis.asyncio import Redis

from faq.keys import LAYOUT_VERSION, Keys
from faq.redis_values import as_text

log = logging.getLogger(__name__)

# KEYS: old, new. Returns 1 moved, 0 old gone (another process moved it), -1 both exist.
_RENAME_SCRIPT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('RENAME', KEYS[1], KEYS[2])
return 1
"""


@dataclass
class MigrationReport:
    moved: int = 0
    conflicts: list[str] = field(default_factory=list)
    skipped: bool = False


async def migrate_layout(redis: Redis, keys: Keys, *, cluster: bool = False) -> MigrationReport:
    """Rename every layout-1 key under ``keys.prefix`` to its layout-2 name.

    On Redis Cluster there is nothing to move: the layout-1 scripts touched keys in several
    slots, which a cluster refuses (CROSSSLOT), so no cluster holds layout-1 data (and a RENAME
    between slots would be refused too). Move such data with ``infomigra export``/``import``.
    """
    report = MigrationReport()
    if await redis.get(keys.layout) == str(LAYOUT_VERSION):
        report.skipped = True
        return report
    if not cluster:
        rename = redis.register_script(_RENAME_SCRIPT)
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", keys.prefix) + "*"
        async for raw in redis.scan_iter(match=pattern, count=1000):
            old = as_text(raw)
            new = keys.legacy_name(old)
            if new is None:
                continue
            result = int(await rename(keys=[old, new]))
            if result == 1:
                report.moved += 1
            elif result == -1:
                report.conflicts.append(old)
        if report.moved:
            log.info("moved %d Redis keys to the hash-tagged layout %d", report.moved,
                     LAYOUT_VERSION)
        if report.conflicts:
            log.warning("%d Redis keys exist under both the old and the new name; the old ones "
                        "were left as they are (first: %s)", len(report.conflicts),
                        report.conflicts[0])
    await redis.set(keys.layout, str(LAYOUT_VERSION))
    return report
