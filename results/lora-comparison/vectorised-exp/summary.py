# Prints the step medians and ratios of the A/B records in a folder (ab.sh's output): one line per build.
# usage: python3 summary.py FOLDER   (e.g. results/lora-comparison/vectorised-exp, …/two-threads, …/with-reuse)
import glob, json, os, sys

folder = sys.argv[1]
for build in ['base', 'new']:
    runs = []
    for path in sorted(glob.glob(os.path.join(folder, 'sotu-decoder-%s-*.json' % build))):
        s = json.load(open(path))['lora_step_vs_full_step']
        full, lora = s['full'], s['lora']
        mean_ratio = (sum(lora['step_seconds']) / len(lora['step_seconds'])) / (sum(full['step_seconds']) / len(full['step_seconds']))
        runs.append((full['median_step_seconds'], lora['median_step_seconds'], s['lora_over_full_median_step'],
                     s['lora_over_full_median_of_round_ratios'], mean_ratio))
    print('%-4s full %s s | LoRA %s s | LoRA/full: ratio of medians %s; median of round ratios %s; ratio of means %s' % (
        build, ' / '.join('%.3f' % r[0] for r in runs), ' / '.join('%.3f' % r[1] for r in runs),
        ' / '.join('%.3f' % r[2] for r in runs), ' / '.join('%.3f' % r[3] for r in runs), ' / '.join('%.3f' % r[4] for r in runs)))
