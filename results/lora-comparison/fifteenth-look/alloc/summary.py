"""Allocation by site from `jfr print --events jdk.ObjectAllocationSample --stack-depth 6 REC.jfr` printouts, after the
first SKIP seconds (the JVM start, loading and warm-up), with the bench's medians from its log to give MB a step.
usage: python3 summary.py SKIP PRINTOUT[.gz] BENCH_LOG [TOP]"""
import gzip
import re
import sys

skip, printout, log = float(sys.argv[1]), sys.argv[2], sys.argv[3]
top = int(sys.argv[4]) if len(sys.argv) > 4 else 8
units = {'bytes': 1, 'kB': 1e3, 'MB': 1e6, 'GB': 1e9}
sites, first, last = {}, None, None
for event in (gzip.open(printout, 'rt') if printout.endswith('.gz') else open(printout)).read().split('jdk.ObjectAllocationSample')[1:]:
    w = re.search(r'weight = ([\d.]+) (\w+)', event)
    t = re.search(r'startTime = (\d+):(\d+):([\d.]+)', event)
    if not w or not t:
        continue
    ts = int(t.group(1)) * 3600 + int(t.group(2)) * 60 + float(t.group(3))
    first = ts if first is None else first
    if ts - first < skip:
        continue
    last = ts
    frames = re.findall(r'^\s+([\w.$<>]+)\(.*?\)\s+line: (\d+)', event, re.M)
    key = ' <- '.join(f.split('.')[-2] + '.' + f.split('.')[-1] + ':' + n for f, n in frames[:4])
    sites[key] = sites.get(key, 0) + float(w.group(1)) * units.get(w.group(2), 1)
text = open(log).read()
full = float(re.search(r'full: median ([\d.]+)', text).group(1))
lora = float(re.search(r'LoRA: median ([\d.]+)', text).group(1))
seconds = last - (first + skip)
total = sum(sites.values()) / 1e6
per_step = total / seconds * (full + lora) / 2
print(f'{printout}: {total:.0f} MB sampled over {seconds:.1f} s after the first {skip:g} s; steps of {full} s (full) and {lora} s (LoRA)'
      f' alternate, so ~{per_step:.0f} MB a step')
for key, b in sorted(sites.items(), key=lambda kv: -kv[1])[:top]:
    print(f'  {b / 1e6:8.1f} MB  {key}')
