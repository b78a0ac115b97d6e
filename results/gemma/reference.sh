#!/bin/bash
# The JVM runtime's float64 logits against reference.py's (numpy, written apart from the Java code from transformers'
# Gemma, Gemma 2 and Gemma 3 modeling code) for 23 tokens, on run.sh's random Gemma (erf GeGLU), Gemma 3 (tanh GeGLU,
# head and post-norms, two RoPE tables), Gemma 2 (post-norms, soft-capped scores and logits) and each of the last two
# with a sliding window of 16, and on the Gemma model with its hidden_act switched to gelu_pytorch_tanh; then
# reference.py with each Gemma part undone, to show the comparison sees it. Run from the repository root after run.sh
# (same OUT):
#   OUT=/tmp/gemma results/gemma/reference.sh > results/gemma/reference-output.txt
set -euo pipefail
out=${OUT:?the folder run.sh wrote}
here=results/gemma
ids="72 101 108 108 111 44 32 119 111 114 108 100 33 10 84 104 101 32 113 117 105 99 107" # "Hello, world!\nThe quick"
source results/qwen3/numpy-checks.sh # compare A B LABEL; against MODEL; undo LABEL MODEL FROM TO
rm -rf "$out/gemma-tanh" && cp -r "$out/gemma" "$out/gemma-tanh"
sed -i 's/"hidden_act": "gelu"/"hidden_act": "gelu_pytorch_tanh"/' "$out/gemma-tanh/config.json"
grep -q gelu_pytorch_tanh "$out/gemma-tanh/config.json"
for m in gemma gemma-tanh gemma3 gemma3-w16 gemma2 gemma2-w16; do
  against $m
done
compare "$out/ref-gemma.json" "$out/jvm-gemma-tanh.json" "gemma: numpy (erf GeGLU) against the JVM with tanh"
# each Gemma part undone in numpy alone: the JVM's logits must then differ
undo "gemma: numpy with norms times w, not 1 + w" gemma '* (1.0 + w)' '* w'
undo "gemma: numpy without the embedding's sqrt(C)" gemma '* float(np.float32(math.sqrt(C)))' '* 1.0'
undo "gemma3: numpy without the attention's post-norm" gemma3 'h = h + rms(a, tensor(p + "post_attention_layernorm.weight"))' 'h = h + a'
undo "gemma3: numpy scaling scores by head_dim" gemma3 'scale = cfg.get("query_pre_attn_scalar", 256) ** -0.5' 'scale = D ** -0.5'
undo "gemma3: numpy with rope_theta on sliding layers" gemma3 'cfg.get("rope_local_base_freq", 1e4)' 'cfg.get("rope_theta", 1e6)'
undo "gemma3: numpy without the head norms" gemma3 'if g3:  # per-head' 'if False:  # per-head'
undo "gemma3-w16: numpy without the window" gemma3-w16 'window = cfg.get("sliding_window", 4096)' 'window = 10 ** 9'
undo "gemma2: numpy without the score cap" gemma2 'softcap = cfg.get("attn_logit_softcapping", 50.0) if g2 else None' 'softcap = None'
undo "gemma2: numpy without the logit cap" gemma2 'cap = cfg.get("final_logit_softcapping", 30.0) if g2 else' 'cap = None if g2 else'
undo "gemma2: numpy without the post-norms" gemma2 'if g2 or g3:  # sandwich norms' 'if False:  # sandwich norms'
undo "gemma2-w16: numpy with the odd layers sliding" gemma2-w16 '"sliding_attention" if i % 2 == 0 else "full_attention"' '"sliding_attention" if i % 2 == 1 else "full_attention"'
undo "gemma2-w16: numpy without the window" gemma2-w16 'scale, window = cfg.get("query_pre_attn_scalar", 256) ** -0.5, cfg.get("sliding_window", 4096)' 'scale, window = cfg.get("query_pre_attn_scalar", 256) ** -0.5, 10 ** 9'
