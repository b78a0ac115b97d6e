#!/usr/bin/env bash
# FunBaT against discrete Tucker (EM-HOOI), the RBF-smooth stand-in and mean filling on held-out entries of two real
# tensors (data in ../shared/data/tensors), from the repository root. Usage: results/funbat/run.sh > results/funbat/run.log
# LOWRANK overrides bin/lowrank. Every run hides the same 20% of the given entries (seed 1) and fits the rest.
set -uo pipefail
lowrank=${LOWRANK:-bin/lowrank}
export LOWRANK_JAVA_OPTS="-Xmx4g -Dlowrank.threads=1"
births=(--csv ../shared/data/tensors/us-births-1969-1988/data.csv --index year,month,date_of_month --value births --hide 0.2 --seed 1)
sensor=(--csv ../shared/data/tensors/sensor-single-hop/data.csv --index mote_id,reading --value temperature --hide 0.2 --seed 1)
t() { echo "\$ lowrank tensor $*"; "$lowrank" tensor "$@" 2>/dev/null | tail -1; }
for ranks in 3,3,3 5,5,5; do
  t "${births[@]}" --method hooi --ranks $ranks --iterations 100                                    # discrete Tucker, EM-HOOI
  t "${births[@]}" --method hooi --ranks $ranks --iterations 100 --smooth year=14                   # RBF-smooth year factors
  t "${births[@]}" --method funbat --ranks $ranks --iterations 100                                  # every mode discrete
  t "${births[@]}" --method funbat --ranks $ranks --iterations 100 --length-scales year=3          # year continuous
  t "${births[@]}" --method funbat --ranks $ranks --iterations 100 --length-scales year=3,month=1,date_of_month=1
  t "${births[@]}" --method funbat --ranks $ranks --iterations 100 --center false                 # the level kept in the model
  t "${births[@]}" --method funbat --ranks $ranks --iterations 100 --center false --length-scales year=3
done
for ranks in 2,2 4,4; do
  t "${sensor[@]}" --method hooi --ranks $ranks --iterations 100
  t "${sensor[@]}" --method hooi --ranks $ranks --iterations 100 --smooth reading=200
  t "${sensor[@]}" --method funbat --ranks $ranks --iterations 100
  t "${sensor[@]}" --method funbat --ranks $ranks --iterations 100 --length-scales reading=20
  t "${sensor[@]}" --method funbat --ranks $ranks --iterations 100 --length-scales reading=20 --center false
done
