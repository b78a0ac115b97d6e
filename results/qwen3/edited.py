# Writes a copy of a numpy reference with one piece of its text replaced (it must occur), so a comparison script can
# undo one part of a model in numpy alone and show that the JVM's logits then differ.
# usage: python3 results/qwen3/edited.py REFERENCE.py FROM TO OUT.py
import sys

source = open(sys.argv[1]).read()
assert sys.argv[2] in source, sys.argv[2]
open(sys.argv[4], 'w').write(source.replace(sys.argv[2], sys.argv[3]))
