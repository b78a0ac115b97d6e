"""Collections after the first S seconds of each run (default 6: the JVM start, the two models' loading and the warm-up
steps come before), from the -Xlog:gc files that ratio.sh and ab.sh write. usage: python3 gc-after.py [S] FILE.gc..."""
import re
import sys

args = sys.argv[1:]
after = float(args.pop(0)) if args and not args[0].endswith('.gc') else 6.0
print(f'pauses after {after:g} s of each run: count, total ms, longest ms')
for name in args:
    pauses = []
    for line in open(name):
        m = re.match(r'\[([\d.]+)s\].*Pause.* ([\d.]+)ms$', line.strip())
        if m and float(m.group(1)) >= after:
            pauses.append(float(m.group(2)))
    print(f'{name:45s} {len(pauses):3d} {sum(pauses):8.0f} {max(pauses, default=0):7.0f}')
