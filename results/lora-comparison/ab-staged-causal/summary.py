#!/usr/bin/env python3
"""Per-run and overall figures of the A/B: python3 summary.py [FOLDER] (default: this folder; two-threads/ for the two-thread runs)."""
import glob, json, os, statistics, sys

here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
runs = {}
for path in sorted(glob.glob(os.path.join(here, '*-[0-9]*.json'))):
    name = os.path.basename(path)[:-5]
    build, i = name.rsplit('-', 1)
    d = json.load(open(path))['lora_step_vs_full_step']
    runs.setdefault(build, []).append((int(i), d))
print('| build | run | full step, CPU s | LoRA step, CPU s | LoRA / full, CPU (medians) | median of round CPU ratios | wall: full / LoRA s, ratio of medians, median of round ratios |')
print('|---|---|---|---|---|---|---|')
for build in ('base', 'new'):
    for i, d in sorted(runs.get(build, []), key=lambda r: r[0]):
        print('| %s | %d | %.2f | %.2f | %.3f | %.3f | %.2f / %.2f, %.3f, %.3f |' % (build, i, d['full']['median_step_cpu_seconds'],
              d['lora']['median_step_cpu_seconds'], d['lora_over_full_median_cpu_step'], d['lora_over_full_median_of_round_cpu_ratios'],
              d['full']['median_step_seconds'], d['lora']['median_step_seconds'], d['lora_over_full_median_step'], d['lora_over_full_median_of_round_ratios']))
print()
for build in ('base', 'new'):
    rs = [d for _, d in runs.get(build, [])]
    if rs:
        print('%s: median over %d runs: full %.3f s CPU, LoRA %.3f s CPU, ratio of medians %.3f, median of per-run CPU ratios %.3f, '
              'median of per-run round-ratio medians %.3f; wall: median of per-run ratios %.3f, of round-ratio medians %.3f' % (build, len(rs),
              statistics.median(d['full']['median_step_cpu_seconds'] for d in rs), statistics.median(d['lora']['median_step_cpu_seconds'] for d in rs),
              statistics.median(d['lora']['median_step_cpu_seconds'] for d in rs) / statistics.median(d['full']['median_step_cpu_seconds'] for d in rs),
              statistics.median(d['lora_over_full_median_cpu_step'] for d in rs), statistics.median(d['lora_over_full_median_of_round_cpu_ratios'] for d in rs),
              statistics.median(d['lora_over_full_median_step'] for d in rs), statistics.median(d['lora_over_full_median_of_round_ratios'] for d in rs)))
