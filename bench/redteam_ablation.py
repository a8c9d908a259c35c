"""Ablation of the sandbox: which attacks each layer stops.

    python3 bench/redteam_ablation.py [--configs all,-bwrap,...] [--attacks a,b] [--isolated]
                                      [--json FILE] [--markdown]

Grades the red-team attack table (tests/redteam/attacks.py) with every
layer, then with each layer removed in turn (AUTOGRADER_SANDBOX_DISABLE), and
with all of them removed, and prints a table attack x configuration
(✔ contained, ✘ not) and, for each layer, the attacks that only it stops
(contained with every layer, not without this one). The checks are the
suite's own (tests/redteam/harness.py).

By default each configuration first grades the attacks in four batches, as
the suite does, and then grades again, one attack per batch, every attack
that was not contained and every attack of a batch in which something went
wrong that names no attacker (a killed grader, a hung batch), so that one
attack's success cannot be blamed on another (harness.grade_attacks).
``--isolated`` grades every attack alone (exact, about an hour).
``-uid-seccomp`` and the like remove several layers at once, which shows the
attacks that two layers stop redundantly. Removing ``bwrap`` removes ``uid`` too
where other users cannot reach the Python runtime (here: it is under /root).

Safety net (see harness.py): each batch runs in a cgroup of 6 GiB and 500
tasks, in its own PID and mount namespace, under a wall-clock limit, and
every attack bounds itself (300 processes, 3 GiB, 512 MiB of disk, a few
seconds), so the machine stays healthy with any layer removed. Needs root.
Figures are measured, never asserted: this is not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from autograder.sandbox import launcher  # noqa: E402
from redteam import harness  # noqa: E402
from redteam.attacks import ATTACKS, BY_NAME  # noqa: E402

CONFIGS = {"all": (), **{f"-{layer}": (layer,) for layer in launcher.LAYERS}, "none": launcher.LAYERS}


def disabled(config: str) -> tuple:
    """'all', 'none', '-rlimits', or several removals at once: '-uid-seccomp'."""
    if config in CONFIGS:
        return CONFIGS[config]
    layers = tuple(config.split("-")[1:])
    if not config.startswith("-") or not set(layers) <= set(launcher.LAYERS):
        raise SystemExit(f"unknown configuration {config!r}: all, none, or -layer[-layer...] "
                         f"with layers {', '.join(launcher.LAYERS)}")
    return layers
def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--attacks", default="")
    parser.add_argument("--isolated", action="store_true", help="one attack per batch everywhere (exact, slow)")
    parser.add_argument("--json", default="", help="also write the raw results here")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--load", default="", help="print the table of earlier --json files (later ones win)")
    args = parser.parse_args()
    configs = [c for c in args.configs.split(",") if c]
    attacks = [BY_NAME[n] for n in args.attacks.split(",") if n] or ATTACKS
    print(f"this machine: {launcher.describe()}", file=sys.stderr)
    results: dict = {}
    started = time.monotonic()
    if args.load:
        for path in args.load.split(","):
            for c, verdicts in json.loads(Path(path).read_text()).items():
                for n, v in verdicts.items():
                    results.setdefault(c, {})[n] = harness.Verdict(n, v["problems"], v["score"], [], v["counts"])
        configs = [c for c in configs if c in results]
        attacks = [a for a in attacks if all(a.name in results[c] for c in configs)]
    for name in configs if not args.load else []:
        t = time.monotonic()
        print(f"[{name}] AUTOGRADER_SANDBOX_DISABLE={','.join(disabled(name))}", file=sys.stderr, flush=True)
        results[name] = harness.grade_attacks(attacks, disabled(name), args.isolated, sys.stderr).verdicts
        print(f"[{name}] {sum(not v.contained for v in results[name].values())} not contained, "
              f"{time.monotonic() - t:.0f} s", file=sys.stderr, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(
            {c: {n: {"contained": v.contained, "score": v.score, "problems": v.problems, "counts": v.counts}
                 for n, v in vs.items()} for c, vs in results.items()}, indent=1))
    print_table(attacks, configs, results, args.markdown)
    print(f"\n{len(attacks)} attacks x {len(configs)} configurations in {time.monotonic() - started:.0f} s")


def print_table(attacks: list, configs: list, results: dict, markdown: bool) -> None:
    mark = {True: "✔", False: "✘"}
    width = max(len(a.name) for a in attacks)
    if markdown:
        print("| attack | what it tries | " + " | ".join(configs) + " |")
        print("|---|---|" + "---|" * len(configs))
    else:
        print(f"{'attack':<{width}}  " + "  ".join(f"{c:>8}" for c in configs))
    for a in attacks:
        cells = [mark[results[c][a.name].contained] for c in configs]
        if markdown:
            print(f"| {a.name} | {a.summary.replace('|', '/')} | " + " | ".join(cells) + " |")
        else:
            print(f"{a.name:<{width}}  " + "  ".join(f"{x:>8}" for x in cells))
    print("\nWhy each attack got through, per configuration:")
    for c in configs:
        for a in attacks:
            v = results[c][a.name]
            if not v.contained:
                print(f"  [{c}] {a.name}: " + "; ".join(p[:160] for p in v.problems[:3]))
    if "all" not in results:
        return
    print("\nStopped only by one layer (contained with every layer, not without this one):")
    for layer in launcher.LAYERS:
        key = f"-{layer}"
        if key in results:
            only = [a.name for a in attacks if results["all"][a.name].contained and not results[key][a.name].contained]
            print(f"- {layer}: {', '.join(only) or 'none'}")
    for c in configs:
        removed = disabled(c)
        singles = [f"-{layer}" for layer in removed]
        if len(removed) > 1 and c != "none" and all(k in results for k in singles):
            both = [a.name for a in attacks if results["all"][a.name].contained and not results[c][a.name].contained
                    and all(results[k][a.name].contained for k in singles)]
            print(f"- any one of {', '.join(removed)} (redundant: only removing all of them lets it through): "
                  f"{', '.join(both) or 'none'}")
    if "none" in results:
        kept = [a.name for a in attacks if results["none"][a.name].contained]
        print(f"- contained with every layer removed (the channel, the clocks, the output cap, trusted checks): "
              f"{', '.join(kept) or 'none'}")
    leaking = [a.name for a in attacks if not results["all"][a.name].contained]
    print(f"- not contained even with every layer: {', '.join(leaking) or 'none'}")


if __name__ == "__main__":
    main()
