#!/usr/bin/env bash
# Learned butterfly factorisations with `lowrank butterfly` (run from the repository root after `mvn -q -DskipTests package`).
# Sizes 16-256: the input permutation is chosen by screening (300 Adam steps per candidate). Size 1024: the permutation
# the smaller sizes chose, one restart, to keep the run short on 2 shared cores.
set -euo pipefail
for n in 16 64 256; do
  for t in dft hadamard dct; do
    bin/lowrank butterfly --transform $t --size $n --steps 3000 --restarts 3 --seed 1
  done
done
bin/lowrank butterfly --transform dft --size 1024 --steps 1000 --restarts 1 --permutation bit-reversal --seed 1
bin/lowrank butterfly --transform hadamard --size 1024 --steps 1000 --restarts 1 --permutation identity --seed 1
# the 1000-step run above stopped at 5.9e-2; the same with 3000 steps:
bin/lowrank butterfly --transform hadamard --size 1024 --steps 3000 --restarts 1 --permutation identity --seed 1
