"""The largest heap left after a collection, and after a full collection, in -Xlog:gc files."""
import re
import sys

for path in sys.argv[1:]:
    largest = full = 0
    for line in open(path):
        m = re.search(r'(\d+)M->(\d+)M\((\d+)M\)', line)
        if m:
            largest = max(largest, int(m.group(2)))
            if 'Full' in line:
                full = max(full, int(m.group(2)))
    print(f'{path}: largest heap after a collection {largest:,} MB, after a full collection {full:,} MB')
