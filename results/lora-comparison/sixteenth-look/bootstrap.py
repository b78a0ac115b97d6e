# The 95% percentile-bootstrap interval of each bench run's ratio of medians (LoRA / full), rounds drawn in pairs, as
# the bench now prints it (Stopwatch.ratioOfMediansInterval; its own random draws, so its figures differ slightly).
# usage: python3 results/lora-comparison/sixteenth-look/bootstrap.py FILE.json...
import json, random, statistics, sys
for f in sys.argv[1:]:
    d = json.load(open(f))['lora_step_vs_full_step']
    full, lora = d['full']['step_seconds'], d['lora']['step_seconds']
    rounds = [l / f for l, f in zip(lora, full)]
    random.seed(1)
    boot = []
    for _ in range(2000):
        idx = [random.randrange(len(full)) for _ in full]
        boot.append(statistics.median([lora[i] for i in idx]) / statistics.median([full[i] for i in idx]))
    boot.sort()
    print('%s: %d rounds, ratio of medians %.3f, round ratios %.3f-%.3f, 95%% bootstrap %.3f-%.3f'
          % (f, len(full), statistics.median(lora) / statistics.median(full), min(rounds), max(rounds), boot[50], boot[1950]))
