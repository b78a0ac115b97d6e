#!/usr/bin/env python3
"""Keeps the lines of the vendored out-of-domain sets that come from Moby Dick chapters 68-135.

usage: split-ood-sets.py MOBY_DICK_FOLDER OUT_FOLDER
Writes OUT/moby-dick-narrative-ch68-135.txt and OUT/moby-dick-dialogue-ch68-135.txt. A line belongs to the first
chapter whose text (whitespace collapsed) contains it; lines of chapters 1-67 are dropped, because the mixed training
text of this study holds those chapters.
"""
import os
import re
import sys

SETS = "lowrank-compress/src/main/resources/org/lowrank4j/compress/text/"


def collapse(text):
    return re.sub(r"\s+", " ", text)


def main(moby, out):
    chapters = {n: collapse(open(os.path.join(moby, f"chapter_{n}.txt"), encoding="utf-8").read()) for n in range(1, 136)}
    for name in ("moby-dick-narrative", "moby-dick-dialogue"):
        lines = [l.strip() for l in open(SETS + name + ".txt", encoding="utf-8") if l.strip()]
        kept = []
        for line in lines:
            found = [n for n, text in chapters.items() if collapse(line) in text]
            if not found:
                raise SystemExit(f"{name}: line not found in any chapter: {line[:60]}")
            if min(found) >= 68:
                kept.append(line)
        with open(os.path.join(out, name + "-ch68-135.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(kept) + "\n")
        print(f"{name}: {len(kept)} of {len(lines)} lines from chapters 68-135")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2])
