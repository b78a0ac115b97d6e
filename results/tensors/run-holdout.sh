#!/usr/bin/env bash
# Tucker with missing entries (EM-HOOI) on US births 1969-1988 (year x month x day of month): 20% of the 7,305 days
# held out (seed 1), fitted on the rest; discrete factors, or the year factor smooth in the year (Gaussian RBF basis,
# a FunBaT-like stand-in, not the paper's GP/SDE + expectation-propagation method).
set -euo pipefail
births=../shared/data/tensors/us-births-1969-1988/data.csv
for r in 3,3,3 5,5,5 8,6,8; do
  bin/lowrank tensor --csv $births --index year,month,date_of_month --value births --ranks $r --hide 0.2 --iterations 100
  for s in year=8 year=14; do
    bin/lowrank tensor --csv $births --index year,month,date_of_month --value births --ranks $r --hide 0.2 --iterations 100 --smooth $s
  done
done
