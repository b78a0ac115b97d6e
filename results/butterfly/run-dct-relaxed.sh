#!/usr/bin/env bash
# The DCT-II with the relaxed permutation, and the FFT start's noise tolerance (results/butterfly/README.md); run from the
# repository root after `mvn -q -DskipTests package`; log: results/butterfly/run-dct-relaxed.log. One thread per run.
set -euo pipefail
export LOWRANK_JAVA_OPTS="-Xmx3g -XX:ActiveProcessorCount=1"
run() { echo "\$ bin/lowrank butterfly $*"; bin/lowrank butterfly "$@" 2>&1 | grep -v WARNING; }

echo "## C'. real-part objective from the FFT initialisation with noise 0.5 and 1.0, N = 64"
for noise in 0.5 1.0; do run --transform dct --size 64 --permutation makhoul-bit-reversal --init fft --init-noise $noise --steps 3000 --restarts 3 --seed 1; done

echo "## D. relaxed permutation learned jointly ('ortho' start), hardened, twiddles polished"
for n in 16 32 64; do
  run --transform dft --size $n --permutation relaxed --steps 3000 --restarts 5 --seed 1
  run --transform dct --size $n --permutation relaxed --objective complex --steps 3000 --restarts 5 --seed 1
  run --transform dct --size $n --permutation relaxed --steps 3000 --restarts 5 --seed 1
done

echo "## D'. DCT-64, complex objective, relaxed permutation: seeds 2 and 3"
for s in 2 3; do run --transform dct --size 64 --permutation relaxed --objective complex --steps 3000 --restarts 5 --seed $s; done
