"""One BLAS thread per process: the matmuls here are tiny, and a pool's workers are not free.

numpy's OpenBLAS starts one worker per core and, after each call, its workers spin for a while
waiting for the next one. The semantic stage does one small matrix-vector product per question
(1,501 phrasings x 384), so on a 2-core machine the spinning worker took the second core for the
whole embedding: measured with ``make bench``, a semantic question cost 41.8 ms of CPU for 21.2 ms
of wall time with the default pool, 21.5 ms with one thread, and the same wall time. That second
core is the one the event loop (or a second replica) needs.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits

_LIMITS: list[object] = []


def single_threaded_blas() -> None:
    """Idempotent; for the whole process (kept referenced so the limit is never undone)."""
    if not _LIMITS:
        _LIMITS.append(threadpool_limits(limits=1, user_api="blas"))
