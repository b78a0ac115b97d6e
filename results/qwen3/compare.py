# The largest difference between two JSON logit files (T lists of V floats, as reference.py and Logits.java print them),
# and the largest |logit| of the first, on one line labelled LABEL.
# usage: python3 results/qwen3/compare.py A.json B.json LABEL
import json, sys
import numpy as np

a, b = np.array(json.load(open(sys.argv[1]))), np.array(json.load(open(sys.argv[2])))
print('%-52s max |difference| %.2e, largest |logit| %.2f' % (sys.argv[3], np.abs(a - b).max(), np.abs(a).max()))
