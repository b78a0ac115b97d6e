#!/usr/bin/env python3
"""How much of the test score matrix is an item prior. Usage: item-prior.py $WORK/test-exact.safetensors
Prints (JSON) the share of the matrix's variance (around its grand mean) explained by the items' mean scores, and how
many distinct items fill the test queries' exact top-10 lists, with the most frequent ones."""
import json, struct, sys
from collections import Counter
import numpy as np

raw = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
info = json.loads(raw[8:8 + n])["scores"]
start, end = info["data_offsets"]
t = np.frombuffer(raw[8 + n + start:8 + n + end], dtype="<f8").reshape(info["shape"])
mu = t.mean(0)
explained = 1 - np.sum((t - mu) ** 2) / np.sum((t - t.mean()) ** 2)
tops = Counter(int(i) for row in t for i in np.argsort(-row, kind="stable")[:10])
print(json.dumps({"queries": t.shape[0], "items": t.shape[1], "variance_explained_by_item_means": round(float(explained), 4),
                  "distinct_items_in_top10_lists": len(tops), "most_frequent_items": tops.most_common(5)}))
