#!/usr/bin/env python3
"""Sentences of the State of the Union addresses for the ANNCUR experiment (issue 18).

Usage: prepare-data.py SOTU_DIR OUT_DIR [--items N] [--anchors N] [--tests N] [--pairs N] [--seed S]

Splits every address into sentences (at . ! ? followed by a space and a capital), keeps those of 8 to 30 words,
shuffles them with the seed and deals them out, disjointly:
  items.txt           the corpus searched (one sentence a line)
  anchor-queries.txt  queries whose full score rows build the CUR index (offline)
  test-queries.txt    held-out queries that are searched
  *.address.txt       the address (file stem) of each line of the three files, for analysis only
  pairs.tsv           cross-encoder training pairs from the remaining sentences, label<TAB>first<TAB>second, half and half:
                      --positive next: "next" = a sentence and the one that follows it in its address (both kept,
                      neither dealt out above), "other" = a sentence and one of another address;
                      --positive same: "same" = two sentences of one address, "other" = two of different addresses
                      (the address drawn in proportion to its sentence count)
"""
import argparse, pathlib, random, re

ap = argparse.ArgumentParser()
ap.add_argument("sotu"); ap.add_argument("out")
ap.add_argument("--items", type=int, default=1000); ap.add_argument("--anchors", type=int, default=100)
ap.add_argument("--tests", type=int, default=100); ap.add_argument("--pairs", type=int, default=2000)
ap.add_argument("--seed", type=int, default=18)
ap.add_argument("--positive", choices=["next", "same"], default="next")
a = ap.parse_args()
rng = random.Random(a.seed)
sentences = []  # (address, sentence)
following = {}  # (address, sentence) -> the kept sentence right after it in the address, if kept
for f in sorted(pathlib.Path(a.sotu).glob("*.txt")):
    text = re.sub(r"\s+", " ", f.read_text(encoding="utf-8"))
    previous = None
    for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])", text):
        s = s.strip().replace("\t", " ")
        if 8 <= len(s.split()) <= 30:
            sentences.append((f.stem, s))
            if previous is not None:
                following[previous] = s
            previous = (f.stem, s)
        else:
            previous = None
rng.shuffle(sentences)
out = pathlib.Path(a.out); out.mkdir(parents=True, exist_ok=True)
start = 0
for name, n in (("items", a.items), ("anchor-queries", a.anchors), ("test-queries", a.tests)):
    part = sentences[start:start + n]; start += n
    (out / f"{name}.txt").write_text("".join(s + "\n" for _, s in part), encoding="utf-8")
    (out / f"{name}.address.txt").write_text("".join(d + "\n" for d, _ in part), encoding="utf-8")
rest = sentences[start:]
dealt = set(s for _, s in sentences[:start])
by_address = {}
for d, s in rest:
    by_address.setdefault(d, []).append(s)
weighted = [d for d, s in rest]  # one entry per sentence: draws addresses in proportion to their size
lines = []
for i in range(a.pairs):
    d = rng.choice(weighted)
    if i % 2 == 0 and a.positive == "next":
        while True:
            d, x = rng.choice(rest)
            y = following.get((d, x))
            if y is not None and y not in dealt:
                break
        lines.append(f"next\t{x}\t{y}")
    elif i % 2 == 0:
        while len(by_address[d]) < 2:
            d = rng.choice(weighted)
        x, y = rng.sample(by_address[d], 2)
        lines.append(f"same\t{x}\t{y}")
    else:
        e = rng.choice(weighted)
        while e == d:
            e = rng.choice(weighted)
        lines.append(f"other\t{rng.choice(by_address[d])}\t{rng.choice(by_address[e])}")
(out / "pairs.tsv").write_text("".join(l + "\n" for l in lines), encoding="utf-8")
print(f"{len(sentences)} sentences of 8-30 words from {len(set(d for d, _ in sentences))} addresses; "
      f"{a.items} items, {a.anchors} anchor queries, {a.tests} test queries, {len(lines)} training pairs from the other {len(rest)}")
