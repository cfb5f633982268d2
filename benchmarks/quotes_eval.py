"""
Score ``articles.quotes.extract`` against the hand-annotated gold set in tests/quotes_gold/.

For every story it compares the extracted quotes with the annotated ones and prints:

* quote precision / recall / F1 for exact spans (same start and end) and for overlapping
  spans (intersection ≥ 50% of the longer span; each gold quote matches at most one
  extracted quote, greedily by largest overlap);
* speaker accuracy on overlap-matched quotes (case-insensitive exact name);
* quote+speaker F1 (a hit needs an overlap match *and* the right speaker);
* role and organisation accuracy on matched quotes whose speaker is right (informative only);
* source-list F1 per story (names compared case-insensitively), macro-averaged;
* stories per second, running the whole set repeatedly for ``--seconds``.

``--held-out N`` also scores the last N stories separately (they were not looked at while
developing). ``--verbose`` prints every miss, false positive and wrong speaker.

Run: ``.venv/bin/python benchmarks/quotes_eval.py [--verbose] [--held-out 8] [--seconds 2]``.
"""

import argparse
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from articles.quotes import extract  # noqa: E402

GOLD = ROOT / "tests" / "quotes_gold"


@dataclass
class Tally:
    """Counts summed over stories; the ratios are computed from them."""

    gold: int = 0
    found: int = 0
    exact: int = 0
    overlap: int = 0
    speaker_right: int = 0
    role_checked: int = 0
    role_right: int = 0
    organisation_right: int = 0
    source_f1: list[float] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        for name in ("gold", "found", "exact", "overlap", "speaker_right", "role_checked", "role_right"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.organisation_right += other.organisation_right
        self.source_f1.extend(other.source_f1)


def f1(hits: int, found: int, gold: int) -> tuple[float, float, float]:
    precision = hits / found if found else 1.0
    recall = hits / gold if gold else 1.0
    score = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, score


def overlap(a: dict, b: dict) -> float:
    """Shared characters over the length of the longer span."""
    shared = min(a["end"], b["end"]) - max(a["start"], b["start"])
    return max(0, shared) / max(a["end"] - a["start"], b["end"] - b["start"])


def same(a: str | None, b: str | None) -> bool:
    return (a or "").strip().lower() == (b or "").strip().lower()


def score_story(name: str, text: str, gold: dict, verbose: bool) -> Tally:
    result = extract(text).as_dict()
    found, expected = result["quotes"], gold["quotes"]
    tally = Tally(gold=len(expected), found=len(found))
    pairs = sorted(
        ((overlap(g, f), i, j) for i, g in enumerate(expected) for j, f in enumerate(found)),
        reverse=True,
    )
    matched_gold, matched_found = {}, set()
    for share, i, j in pairs:
        if share < 0.5 or i in matched_gold or j in matched_found:
            continue
        matched_gold[i] = j
        matched_found.add(j)
    for i, g in enumerate(expected):
        if i not in matched_gold:
            if verbose:
                print(f"  {name}: MISSED  {g['text'][:70]!r} ({g['speaker']})")
            continue
        f = found[matched_gold[i]]
        tally.overlap += 1
        tally.exact += (f["start"], f["end"]) == (g["start"], g["end"])
        if same(f["speaker"], g["speaker"]):
            tally.speaker_right += 1
            tally.role_checked += 1
            tally.role_right += same(f["role"], g["role"])
            tally.organisation_right += same(f["organisation"], g["organisation"])
        elif verbose:
            print(f"  {name}: SPEAKER {g['text'][:50]!r}: got {f['speaker']!r}, want {g['speaker']!r}")
    for j, f in enumerate(found):
        if j not in matched_found and verbose:
            print(f"  {name}: EXTRA   {f['text'][:70]!r} ({f['speaker']})")
    got = {s["name"].lower() for s in result["sources"]}
    want = {s["name"].lower() for s in gold["sources"]}
    tally.source_f1.append(f1(len(got & want), len(got), len(want))[2])
    if verbose and got != want:
        print(f"  {name}: SOURCES missing {sorted(want - got)}, extra {sorted(got - want)}")
    return tally


def report(title: str, tally: Tally) -> None:
    p, r, f = f1(tally.overlap, tally.found, tally.gold)
    ep, er, ef = f1(tally.exact, tally.found, tally.gold)
    sp, sr, sf = f1(tally.speaker_right, tally.found, tally.gold)
    speaker_accuracy = tally.speaker_right / tally.overlap if tally.overlap else 0.0
    sources = sum(tally.source_f1) / len(tally.source_f1) if tally.source_f1 else 0.0
    print(f"{title}: {len(tally.source_f1)} stories, {tally.gold} gold quotes, {tally.found} extracted")
    print(f"  quotes, exact span     P {ep:.3f}  R {er:.3f}  F1 {ef:.3f}")
    print(f"  quotes, >=50% overlap  P {p:.3f}  R {r:.3f}  F1 {f:.3f}")
    print(f"  speaker accuracy on matched quotes   {speaker_accuracy:.3f}")
    print(f"  quote+speaker          P {sp:.3f}  R {sr:.3f}  F1 {sf:.3f}")
    print(f"  source-list F1 (macro over stories)  {sources:.3f}")
    if tally.role_checked:
        print(
            f"  role / organisation accuracy (right speaker, informative)  "
            f"{tally.role_right / tally.role_checked:.3f} / {tally.organisation_right / tally.role_checked:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("--verbose", action="store_true", help="print misses, false positives and wrong speakers")
    parser.add_argument("--held-out", type=int, default=8, help="score the last N stories separately (default 8)")
    parser.add_argument("--seconds", type=float, default=2.0, help="how long to run the speed test (default 2)")
    parser.add_argument("--only", help="score only stories whose file name contains this")
    parser.add_argument("--development", action="store_true", help="score only the stories that are not held out")
    args = parser.parse_args()

    stories = []
    for path in sorted(GOLD.glob("*.txt")):
        if args.only and args.only not in path.name:
            continue
        gold = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        stories.append((path.stem, path.read_text(encoding="utf-8"), gold))
    if not stories:
        raise SystemExit(f"No gold stories in {GOLD}")
    if args.development:
        stories = stories[: len(stories) - args.held_out]
        args.only = "development"

    held_out = min(args.held_out, len(stories)) if not args.only else 0
    development, evaluation = Tally(), Tally()
    overall = Tally()
    for index, (name, text, gold) in enumerate(stories):
        tally = score_story(name, text, gold, args.verbose)
        overall.add(tally)
        (evaluation if index >= len(stories) - held_out else development).add(tally)

    report("All stories", overall)
    if held_out:
        report(f"Development stories (first {len(stories) - held_out})", development)
        report(f"Held-out stories (last {held_out})", evaluation)

    texts = [text for _, text, _ in stories]
    runs, began = 0, time.perf_counter()
    while time.perf_counter() - began < args.seconds:
        for text in texts:
            extract(text)
        runs += 1
    elapsed = time.perf_counter() - began
    print(f"Speed: {runs * len(texts) / elapsed:.0f} stories/s ({runs} passes over {len(texts)} stories, one core)")


if __name__ == "__main__":
    main()
