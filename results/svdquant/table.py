#!/usr/bin/env python3
"""Prints the MiniLM and decoder tables of README.md from the JSON records in this folder (run from the repository root)."""
import json, os, re
R = 'results/svdquant'
Q = 'results/quantized-minilm'
FP32 = 90387606

def row(folder, name):
    c, e = json.load(open(f'{folder}/{name}.json')), json.load(open(f'{folder}/{name}-eval.json'))
    f = e['fidelity']
    ood = e.get('worstOutOfDomain', {})
    branch = sum(s['rank'] * (s.get('m', 0) + s.get('n', 0)) for s in c['sites']) if c['sites'] and 'm' in c['sites'][0] else None
    return (name, c['method'], c['bytes_after'], c['bytes_after'] / FP32, f['meanCosine'], f['p5Cosine'], f['recallAtK'],
            ood.get('meanCosine'), e['probe']['accuracyCandidate'], e['latency']['ratio'], sum(s['rank'] for s in c['sites']))

print('| file | `--method` | bytes | × fp32 | mean cos | p5 cos | recall@10 | worst OOD cos | probe | latency × fp32 | Σ ranks |')
print('|---|---|---|---|---|---|---|---|---|---|---|')
names = sorted({re.sub(r'-eval$', '', os.path.splitext(f)[0]) for f in os.listdir(R) if f.startswith('svdquant4') and f.endswith('-eval.json')})
rows = [row(folder, n) for folder, n in [(R, n) for n in names] + [(Q, n) for n in ['eora4-g32-emb4-27.1MB', 'eora4-g32-emb4-22.6MB',
        'eora4-g32-emb4-18MB', 'eora4-g128-eg128-emb4-13.5MB', 'gptq4-g32-emb8', 'gptq4-g32-emb4']] if os.path.exists(f'{folder}/{n}-eval.json')]
for r in sorted(rows, key=lambda r: (-round(r[3], 2), not r[0].startswith('svdquant'), r[0])):
    ood = '—' if r[7] is None else f'{r[7]:.4f}'
    print(f'| {r[0]} | `{r[1]}` | {r[2]:,} | {r[3]:.3f}× | {r[4]:.4f} | {r[5]:.4f} | {r[6]:.3f} | {ood} | {r[8]:.3f} | {r[9]:.2f} | {r[10]} |')

print()
for f in sorted(os.listdir(R)):
    m = re.match(r'compress-(svdquant\d.*)\.json', f)  # decoder rows
    if not m:
        continue
    n = m.group(1)
    c = json.load(open(f'{R}/{f}'))
    man = json.load(open(f'{R}/manifest-{n}.json'))
    p5 = json.load(open(f'{R}/perplexity-{n}.json')) if os.path.exists(f'{R}/perplexity-{n}.json') else None
    p30 = json.load(open(f'{R}/perplexity30k-{n}.json')) if os.path.exists(f'{R}/perplexity30k-{n}.json') else None
    ppl = lambda p: '—' if p is None else f"{p.get('perplexity', p.get('sets', [{}])[0].get('perplexity', float('nan'))):.4f}"
    print(f"| {n} | `{c['method']}` | {c['bytes_after']:,} | {man['bits_per_weight_targeted']:.3f} | {sum(s['rank'] for s in c['sites'])} | {ppl(p5)} | {ppl(p30)} |")

print()
print('| record | sites smoothed | mean α by role | sites with β > 0 |')
print('|---|---|---|---|')
for f in sorted(os.listdir(R)):
    if not f.endswith('.json') or f.endswith('-eval.json') or f.startswith(('manifest', 'perplexity')):
        continue
    c = json.load(open(f'{R}/{f}'))
    roles, smoothed, beta = {}, 0, 0
    for s in c['sites']:
        m = re.search(r'alpha=([\d.]+) beta=([\d.]+)', s['kept_as'])
        if m:
            smoothed += 1
            beta += float(m.group(2)) > 0
            roles.setdefault(s['name'].split(' ', 2)[-1], []).append(float(m.group(1)))
    means = ', '.join(f'{k} {sum(v) / len(v):.2f}' for k, v in roles.items())
    print(f"| {f[:-5]} | {smoothed}/{len(c['sites'])} | {means} | {beta} |")
