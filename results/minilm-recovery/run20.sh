#!/bin/bash
# headline: MiniLM, whitened + global, 20% removed, sentence calibration spread over SOTU minus 1900-1945, then recovery
set -e
M=~/.cache/lowrank4j/models/all-minilm-l6-v2
J="java -Xmx6g -Dorg.bytedeco.javacpp.cachedir=target/native-cache/javacpp -DDJL_CACHE_DIR=$HOME/.cache/lowrank4j/djl -jar $WORK/lowrank4.jar"
export OPENBLAS_CORETYPE=SkylakeX
cd $WORK/final
rm -f minilm-w20.* minilm-w20-rec.*
/usr/bin/time -f "compress wall %e s" $J compress --model $M/model.onnx --tokenizer $M/tokenizer.json --calib $WORK/rtext --calib-sequences 1024 --ratio 0.2 --method whitened --allocation global --out minilm-w20.onnx 2>&1 | grep -v "\[" 
/usr/bin/time -f "recover wall %e s" $J recover --compressed minilm-w20.onnx --out minilm-w20-rec.onnx --text $WORK/rtext --steps 800 2>&1 | tr '\r' '\n' | grep -v "^recovery.*\[" | grep -v SLF4J
