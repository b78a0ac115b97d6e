#!/usr/bin/env python3
"""Buckets the JVM samples of lowrank-bench's BERT phase by what our runtime was doing.

Input: `jfr print --json --events jdk.ExecutionSample,jdk.NativeMethodSample rt.jfr > samples.json`. The BERT phase is
the time window between the first and the last sample in ONNX Runtime's run (the bench alternates the two runtimes
round by round); every other sample in that window is ours (ONNX Runtime's own worker threads are native and invisible
to JFR). Since the fused inference forward (BertModel.infer) the bench times it beside the layer-by-layer forward: a
sample belongs to the fused path when its stack passes through BertInference or FusedKernels (the cores' workers of the
fused kernels included), else to the layer-by-layer one. Usage: profile.py samples.json [fused|layered]
(default: both tables).
"""
import collections
import json
import sys


def frames(e):
    st = e['values'].get('stackTrace')
    if not st:
        return []
    return [f['method']['type']['name'].split('/')[-1] + '.' + f['method']['name'] for f in st['frames']]


def is_fused(fr):
    s = ' '.join(fr)
    return 'BertInference' in s or 'FusedKernels' in s


def bucket(fr):
    s = ' '.join(fr)
    if is_fused(fr):
        if 'NativeBackend.gemm' in s:
            return 'gemm in attention (per-head products)' if 'FusedKernels.lambda$attention' in s else 'gemm, linear layers'
        if 'attention' in s or 'gatherHead' in s or 'maskedSoftmax' in s:
            return 'attention, not gemm (heads gathered with bias, masked softmax)'
        if 'LayerNorm' in s or 'layerNorm' in s or 'normalizeRow' in s:
            return 'residual + bias + layer norm (one pass)'
        if 'biasGelu' in s:
            return 'bias + GELU (one pass)'
        if 'lookup' in s or 'gather' in s.lower():
            return 'embedding'
        return 'other'
    if 'NativeBackend.gemm' in s:
        return 'gemm in attention (per-head products)' if 'Attention' in s else 'gemm, linear layers'
    if 'Attention' in s or 'oftmax' in s or 'mergeHeads' in s or 'splitHeads' in s:
        return 'attention, not gemm (softmax, head split/merge, mask)'
    if 'ayerNorm' in s:
        return 'layer norm'
    if 'gelu' in s.lower():
        return 'gelu'
    if 'gather' in s.lower() or 'Embedding' in s:
        return 'embedding'
    if 'add' in fr[0].lower():
        return 'residual and bias adds'
    return 'other'


events = json.load(open(sys.argv[1]))['recording']['events']
ort = [e['values']['startTime'] for e in events if 'runOrt' in ' '.join(frames(e))]
lo, hi = min(ort), max(ort)
ours = [frames(e) for e in events if lo <= e['values']['startTime'] <= hi and 'runOrt' not in ' '.join(frames(e))]
ours = [f for f in ours if f]
paths = sys.argv[2:] or ['fused', 'layered']
print('%d samples of ours in the BERT window (%d in ONNX Runtime\'s run call)' % (len(ours), len(ort)))
for path in paths:
    mine = [f for f in ours if is_fused(f) == (path == 'fused')]
    counts = collections.Counter(bucket(f) for f in mine)
    print('\n%s forward: %d samples' % ('fused inference' if path == 'fused' else 'layer-by-layer', len(mine)))
    for k, v in counts.most_common():
        print('%5d  %5.1f%%  %s' % (v, 100.0 * v / len(mine), k))
