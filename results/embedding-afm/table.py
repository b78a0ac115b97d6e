#!/usr/bin/env python3
"""Builds table.md and table.csv from the records (NAME.json) and evaluations (NAME-eval.json) in this folder."""
import csv, glob, json, os

here = os.path.dirname(os.path.abspath(__file__))
rows = []
for rec_path in sorted(glob.glob(os.path.join(here, '*.json'))):
    if rec_path.endswith('-eval.json'):
        continue
    name = os.path.basename(rec_path)[:-5]
    ev_path = os.path.join(here, name + '-eval.json')
    if not os.path.exists(ev_path):
        continue
    rec, ev = json.load(open(rec_path)), json.load(open(ev_path))
    emb = rec.get('embeddings')
    sets = {s['name']: s['fidelity'] for s in ev['sets']}
    ood = [f for n, f in sets.items() if n != 'held-out']
    rows.append({
        'model': name.split('-')[0], 'row': name.split('-', 1)[1],
        'linear': '-' if rec['method'] == 'none' else f"{rec['method']} {rec['ratio_requested']:.3f}",
        'embeddings': emb['spec'] if emb else '-',
        'bytes': rec['bytes_after'], 'x_fp32': rec['bytes_after'] / rec['bytes_before'],
        'ratio_targeted': rec['ratio_targeted_layers'], 'ratio_whole_model': rec['ratio_whole_model'],
        'table_params_after': emb['parameters_after'] if emb else '',
        'table_error': emb['relative_error_table'] if emb else '',
        'calib_error': emb.get('relative_error_calibration', '') if emb else '',
        'cos': sets['held-out']['meanCosine'], 'p5': sets['held-out']['p5Cosine'], 'recall10': sets['held-out']['recallAtK'],
        'ood_cos': min(f['meanCosine'] for f in ood) if ood else '', 'ood_recall10': min(f['recallAtK'] for f in ood) if ood else '',
        'probe': ev['probe']['accuracyCandidate'], 'probe_ref': ev['probe']['accuracyReference'],
    })
rows.sort(key=lambda r: (r['model'] != 'minilm', -r['bytes']))
with open(os.path.join(here, 'table.csv'), 'w', newline='') as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerows(rows)
fmt = lambda v, p=4: f"{v:.{p}f}" if isinstance(v, float) else str(v)
with open(os.path.join(here, 'table.md'), 'w') as f:
    f.write('| model | row | linear layers | --embeddings | bytes | × fp32 | ratio (targeted) | ratio (whole model) | table error | calib-token error'
            ' | mean cos | p5 cos | recall@10 | worst OOD cos | worst OOD recall@10 | probe (ref) |\n')
    f.write('|' + '---|' * 16 + '\n')
    for r in rows:
        f.write(f"| {r['model']} | {r['row']} | {r['linear']} | {r['embeddings']} | {r['bytes']:,} | {fmt(r['x_fp32'], 3)} | {fmt(r['ratio_targeted'], 3)}"
                f" | {fmt(r['ratio_whole_model'], 3)} | {fmt(r['table_error'], 3)} | {fmt(r['calib_error'], 3)} | {fmt(r['cos'])} | {fmt(r['p5'])}"
                f" | {fmt(r['recall10'], 3)} | {fmt(r['ood_cos'])} | {fmt(r['ood_recall10'], 3)} | {fmt(r['probe'], 3)} ({fmt(r['probe_ref'], 3)}) |\n")
print(open(os.path.join(here, 'table.md')).read())
