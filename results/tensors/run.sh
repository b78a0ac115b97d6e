#!/usr/bin/env bash
# Tensor decompositions with `lowrank tensor`: US births 1969-1988 as year x month x day-of-month (20 x 12 x 31; the 135
# cells that are not dates are filled with the mean and left out of the error), and one RGB photo (788 x 1024 x 3).
set -euo pipefail
births=../shared/data/tensors/us-births-1969-1988/data.csv
for r in 1,1,1 2,2,2 3,3,3 5,5,5 8,6,8 12,8,16; do
  for m in hosvd hooi; do
    bin/lowrank tensor --csv $births --index year,month,date_of_month --value births --method $m --ranks $r
  done
done
for r in 1 2 3 5 8 12; do
  bin/lowrank tensor --csv $births --index year,month,date_of_month --value births --method cp --ranks $r --iterations 500
done
photo=../shared/data/images/dust-bowl-home.jpg
for r in 10,10,3 25,25,3 50,50,3 100,100,3 200,200,3; do
  bin/lowrank tensor --image $photo --method hosvd --ranks $r
done
bin/lowrank tensor --image $photo --method hooi --ranks 50,50,3 --iterations 5
for r in 10 50; do
  bin/lowrank tensor --image $photo --method cp --ranks $r --iterations 20
done
