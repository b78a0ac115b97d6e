# Groups the JFR samples of one lora bench run by step (full, LoRA, AdamW) and by the innermost frame of ours.
# usage: jfr print --stack-depth 80 --events jdk.ExecutionSample,jdk.NativeMethodSample $WORK/bench.jfr > $WORK/samples.txt; python3 profile-groups.py $WORK/samples.txt [NATIVE_WEIGHT]
# NATIVE_WEIGHT (default 1): how much a native-method sample counts; 2 makes up for JFR's profile settings sampling threads
# in native code every 20 ms and Java code every 10 ms.
import sys, re, collections
txt=open(sys.argv[1]).read()
events=re.split(r'\n(?=jdk\.(?:ExecutionSample|NativeMethodSample) \{)', txt)
def frames(e):
    m=re.search(r'stackTrace = \[\n(.*?)\n\s*\]', e, re.S)
    if not m: return []
    return [re.sub(r'\(.*','',l.strip()) for l in m.group(1).split('\n') if l.strip() and l.strip()!='...']
def cat(fr):
    s='\n'.join(fr)
    if 'AdamW.step' in s: return 'AdamW'
    if 'zeroGradients' in s: return 'zeroing gradients'
    if 'LoraWeight.backward' in s and 'StagedDense' not in s and 'FrozenWeight.inputGradient' not in s: return 'LoRA branch (A, B products, their copies and buffers)'
    if 'LoraWeight.forward' in s and 'StagedDense' not in s and 'DenseWeight.forward' not in s: return 'LoRA branch (A, B products, their copies and buffers)'
    if 'LoraWeight.branchInput' in s: return 'LoRA branch (A, B products, their copies and buffers)'
    if 'Attention.lambda$' in s: return 'attention per-head products (incl. copies)'
    if 'softmaxBackward' in s: return 'softmax backward'
    if 'attentionSoftmax' in s: return 'attention softmax'
    if 'swiglu' in s: return 'SwiGLU'
    if 'rmsNorm' in s: return 'RMSNorm'
    if 'DenseWeight.backward' in s: return 'linear weights: backward (dW and dx) (incl. copies)'
    if 'StagedDense.inputGradient' in s or 'FrozenWeight.inputGradient' in s: return 'linear weights: backward (dx only) (incl. copies)'
    if 'DenseWeight.forward' in s or 'StagedDense.forward' in s: return 'linear weights: forward (incl. copies)'
    return 'other (embedding, RoPE, heads split/merge, cross-entropy, allocation)'
res=collections.defaultdict(collections.Counter); tot=collections.Counter()
native_weight=float(sys.argv[2]) if len(sys.argv) > 2 else 1
for e in events:
    w = native_weight if e.startswith('jdk.NativeMethodSample') else 1
    fr=frames(e)
    if not fr: continue
    s='\n'.join(fr)
    if 'LoraStepBenchmarks.step' not in s: continue
    side='adamw' if 'AdamW.step' in s else ('lora' if 'AdapterLanguageModel' in s else 'full')
    res[side][cat(fr)]+=w; tot[side]+=w
for side in res:
    print('==',side,tot[side])
    for k,v in res[side].most_common(): print('  %5d %5.1f%% %s'%(v,100*v/tot[side],k))
