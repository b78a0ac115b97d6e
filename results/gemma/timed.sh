# Sourced by size.sh and size-gemma2.sh (with $out set): timed LABEL COMMAND... prints the command's last two lines, then
# its wall time and peak resident memory from /usr/bin/time.
timed() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$@" 2>/dev/null | tail -2
  read -r wall kb < "$out/time.txt"
  printf '%s: %.1f s, peak resident %.2f GB\n' "$label" "$wall" "$(echo "$kb / 1048576" | bc -l)"
}
