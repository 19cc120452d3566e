"""`make bench`: every speed figure in one run, printed as tables (see docs/benchmarks.md)."""

from __future__ import annotations

import importlib
import os
import platform
import sys


def machine() -> str:
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), "")
    except OSError:
        pass
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores {cpu}, "
            f"Python {platform.python_version()}")


def main() -> int:
    from infomigra.threads import single_threaded_blas

    single_threaded_blas()  # as every `infomigra` command runs
    print(f"machine: {machine()}\n")
    from benchmarks import matching

    print("== matching: latency per question (dev-set questions), index build, memory ==")
    sizes = tuple(int(s) for s in os.environ.get("BENCH_SIZES", "43,1000,10000").split(","))
    print(matching.format_rows(matching.run(sizes)))
    print("\n== matching: the hybrid cascade on the real FAQ (one embedding thread) ==")
    print(matching.format_hybrid(matching.run_hybrid()))
    for section in ("benchmarks.scale", "benchmarks.bot", "benchmarks.replicas",
                    "benchmarks.api", "benchmarks.api_limits", "benchmarks.api_list"):
        try:
            module = importlib.import_module(section)
        except ImportError as exc:
            print(f"\n== {section}: not available ({exc}) ==")
            continue
        print()
        module.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
