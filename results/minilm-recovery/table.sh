#!/bin/bash
# usage: table.sh RATIO STEPS THREADS — compress MiniLM (whitened + global, 1024 sentences spread over SOTU minus 1900-1945) then recover
R=$1; S=$2; T=$3
M=~/.cache/lowrank4j/models/all-minilm-l6-v2
J="java -Xmx5g -Dlowrank.threads=$T -Dorg.bytedeco.javacpp.cachedir=target/native-cache/javacpp -DDJL_CACHE_DIR=$HOME/.cache/lowrank4j/djl -jar $WORK/lowrank4.jar"
export OPENBLAS_CORETYPE=SkylakeX
cd $WORK/final
rm -f t$R.* t$R-rec.*
$J compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib $WORK/rtext --calib-sequences 1024 --ratio $R --method whitened --allocation global --threads $T --out t$R.onnx 2>&1 | grep "^wrote"
$J recover --compressed t$R.onnx --out t$R-rec.onnx --text $WORK/rtext --steps $S --threads $T 2>&1 | tr '\r' '\n' | grep -v "^recovery.*\[" | grep -v SLF4J
