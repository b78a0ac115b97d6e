#!/usr/bin/env bash
# The DCT-II as a butterfly product at N = 64…1024 (issue 18 item 4): run from the repository root after
# `mvn -q -DskipTests package`; log: results/butterfly/run-dct.log. One thread per run (2 shared cores).
set -euo pipefail
export LOWRANK_JAVA_OPTS="-Xmx3g -XX:ActiveProcessorCount=1"
run() { echo "\$ bin/lowrank butterfly $*"; bin/lowrank butterfly "$@" 2>&1 | grep -v WARNING; }

echo "## A. complex objective (DCT + i·sine companion), 'ortho' start, permutation screened"
for n in 64 128 256 512 1024; do run --transform dct --size $n --objective complex --steps 3000 --restarts 3 --seed 1; done

echo "## B. real-part objective (the paper's), 'ortho' start, Makhoul∘bit-reversal fixed"
for n in 64 128 256; do run --transform dct --size $n --permutation makhoul-bit-reversal --steps 3000 --restarts 3 --seed 1; done
echo "## B'. the same, one restart per seed, seeds 1-20, N = 32 and 64 (success rate)"
for n in 32 64; do for s in $(seq 1 20); do run --transform dct --size $n --permutation makhoul-bit-reversal --steps 3000 --restarts 1 --seed $s; done; done

echo "## C. real-part objective from the FFT initialisation ('fft_no_br') with Gaussian noise 0.3 on every twiddle entry"
for n in 64 128 256 512 1024; do run --transform dct --size $n --permutation makhoul-bit-reversal --init fft --init-noise 0.3 --steps 3000 --restarts 3 --seed 1; done
echo "## C'. noise 0.5 and 1.0 at N = 64"
for noise in 0.5 1.0; do run --transform dct --size 64 --permutation makhoul-bit-reversal --init fft --init-noise $noise --steps 3000 --restarts 3 --seed 1; done

echo "## D. relaxed permutation learned jointly ('ortho' start), hardened, twiddles polished"
for n in 16 32 64; do
  run --transform dft --size $n --permutation relaxed --steps 3000 --restarts 5 --seed 1
  run --transform dct --size $n --permutation relaxed --objective complex --steps 3000 --restarts 5 --seed 1
  run --transform dct --size $n --permutation relaxed --steps 3000 --restarts 5 --seed 1
done
