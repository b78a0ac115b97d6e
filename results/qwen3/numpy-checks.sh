# Sourced by the reference.sh scripts of the decoder families (with $out, $here and $ids set): the JVM runtime's float64
# logits (Logits.java) against $here/reference.py's, and reference.py with one part undone.
#   against MODEL                 numpy against the JVM on $out/MODEL, printed as "MODEL: numpy against the JVM"
#   undo LABEL MODEL FROM TO      reference.py with the text FROM replaced by TO, against the JVM's logits of MODEL
compare() { python3 results/qwen3/compare.py "$@"; } # A.json B.json LABEL
against() {
  python3 $here/reference.py "$out/$1" $ids > "$out/ref-$1.json"
  java -cp lowrank-cli/target/lowrank.jar results/qwen3/Logits.java "$out/$1" $ids > "$out/jvm-$1.json"
  compare "$out/ref-$1.json" "$out/jvm-$1.json" "$1: numpy against the JVM"
}
undo() {
  python3 results/qwen3/edited.py $here/reference.py "$3" "$4" "$out/undone.py"
  python3 "$out/undone.py" "$out/$2" $ids > "$out/ref-undone.json"
  compare "$out/ref-undone.json" "$out/jvm-$2.json" "$1"
}
