#!/usr/bin/env python3
"""Table of wide.sh's logs: per decoder, JDK and thread count, the full and LoRA step medians and their ratio, per round.
usage: python3 results/lora-comparison/tenth-look/summary.py [FOLDER]  (default: this script's folder)"""
import glob, os, re, sys

folder = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
rows = {}
for path in sorted(glob.glob(os.path.join(folder, '*-jdk*-threads*-*.log'))):
    m = re.match(r'(.+)-jdk(\d+)-threads(\d)-(\d+)\.log', os.path.basename(path))
    text = open(path).read()
    if 'LoRA: median' not in text:
        continue  # a run still going, or one that failed
    full = float(re.search(r'full: median ([\d.]+) s/step', text).group(1))
    lora = float(re.search(r'LoRA: median ([\d.]+) s/step', text).group(1))
    rows.setdefault((m.group(1), int(m.group(2)), int(m.group(3))), []).append((int(m.group(4)), full, lora))
print('| decoder | JDK | threads | full step (s) | LoRA step (s) | LoRA / full |')
print('|---|---|---|---|---|---|')
for (model, jdk, threads), runs in sorted(rows.items()):
    runs.sort()
    print(f'| {model} | {jdk} | {threads} | ' + ' / '.join(f'{f:.3f}' for _, f, _ in runs) + ' | '
          + ' / '.join(f'{l:.3f}' for _, _, l in runs) + ' | ' + ' / '.join(f'{l / f:.3f}' for _, f, l in runs) + ' |')
