#!/usr/bin/env bash
# Builds a char-rnn "Linux source" corpus: every regular *.c and *.h file of
# Debian's linux-source-6.1 tarball, concatenated in LC_ALL=C sorted path order.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PKG=linux-source-6.1
TARBALL=/usr/src/linux-source-6.1.tar.xz

usage() {
  cat <<EOF
Usage: scripts/make-linux-corpus.sh [--output FILE] [--max-bytes N] [--shuffle SEED] [--force]

Installs the Debian package $PKG if its tarball is missing
(apt-get, needs root or sudo), then writes every regular *.c / *.h file of that
tarball, in sorted path order, into one text file (about 1.2 GB in full).
Symlinked sources are skipped.

  --output FILE   where to write (default, under the repo root:
                  data/linux/linux-6.1.txt, or with --max-bytes 474000000
                  data/linux/linux-6.1-474M.txt; -<N>B if N is not whole MB)
  --max-bytes N   keep only the first N bytes (474000000 matches the size of the
                  Linux set of Karpathy's char-rnn post)
  --shuffle SEED  files in a random order drawn from SEED (same seed, same
                  order) instead of path order: with --max-bytes a sample from the
                  whole tree, so the val/test splits at the tail are the same kind
                  of code as the train split (in path order the first 40 MB are
                  all arch/ and the tail is another architecture); -s<SEED> is
                  added to the default output name
  --force         rebuild even if the output exists
  -h, --help      this text

The output is written under a temporary name and renamed when complete. At the
end it prints the size in bytes, the SHA-256 and whether the text is valid UTF-8.
EOF
}

out="" max="" seed="" force=0
while (($#)); do
  case "$1" in
    --output) out="${2:?--output needs a file}"; shift 2 ;;
    --max-bytes) max="${2:?--max-bytes needs a number}"; shift 2 ;;
    --shuffle) seed="${2:?--shuffle needs a seed}"; shift 2 ;;
    --force) force=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "make-linux-corpus: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if [[ -n "$max" && ! "$max" =~ ^[1-9][0-9]*$ ]]; then
  echo "make-linux-corpus: --max-bytes '$max': expected a positive integer" >&2; exit 2
fi
if [[ -n "$seed" && ! "$seed" =~ ^[0-9]+$ ]]; then
  echo "make-linux-corpus: --shuffle '$seed': expected a non-negative integer" >&2; exit 2
fi
if [[ -z "$out" ]]; then
  suffix=""
  if [[ -n "$max" ]]; then
    ((max % 1000000 == 0)) && suffix="-$((max / 1000000))M" || suffix="-${max}B"
  fi
  [[ -z "$seed" ]] || suffix="$suffix-s$seed"
  out="$ROOT/data/linux/linux-6.1$suffix.txt"
fi

if [[ -e "$out" && $force -eq 0 ]]; then
  echo "$out exists ($(stat -c %s "$out") bytes); nothing to do (--force rebuilds it)"
  exit 0
fi

if [[ ! -f "$TARBALL" ]]; then
  echo "installing $PKG (ships $TARBALL) ..." >&2
  sudo=""; ((EUID == 0)) || sudo=sudo
  # Retry after refreshing the package lists: fresh containers often have none.
  $sudo apt-get install -y -qq "$PKG" >&2 ||
    { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq "$PKG" >&2; }
fi
version="$(dpkg-query -W -f='${Version}' "$PKG" 2>/dev/null || echo unknown)"

outdir="$(dirname "$out")"
mkdir -p "$outdir"
# All temporaries live next to the output and go away on any exit.
tmp="$(mktemp "$outdir/.$(basename "$out").XXXXXX")"
list="$tmp.list" unsorted="$tmp.unsorted" xdir="$tmp.d"
cleanup() { rm -rf -- "$tmp" "$list" "$unsorted" "$xdir"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Regular files only ('-' in the mode column); literal quoting keeps names as
# they are so that --verbatim-files-from can match them back.
echo "listing $TARBALL ($PKG $version) ..." >&2
tar -tvJf "$TARBALL" --quoting-style=literal |
  sed -nE 's/^-\S+\s+\S+\s+[0-9]+\s+\S+\s+\S+\s(.*\.[ch])$/\1/p' > "$unsorted"
LC_ALL=C sort "$unsorted" > "$list"
echo "$(wc -l < "$list") source files" >&2

# tar -O emits members in archive order, not in --files-from order. Debian's
# tarball is already sorted, so it can be streamed straight through; if a
# future one is not, extract just the sources next to the output and cat them.
if [[ -n "$seed" ]]; then
  # The seed feeds shuf's random source: the same seed gives the same order.
  shuf --random-source=<(yes "charnn-linux-corpus-$seed") "$list" > "$list.shuf"
  mv -f -- "$list.shuf" "$list"
fi
if [[ -z "$seed" ]] && cmp -s "$unsorted" "$list"; then
  stream() { tar -xJf "$TARBALL" -O --verbatim-files-from --files-from="$list"; }
else
  echo "extracting the sources to $xdir (the archive's order is not the list's) ..." >&2
  mkdir "$xdir"
  tar -xJf "$TARBALL" -C "$xdir" --verbatim-files-from --files-from="$list"
  # With --max-bytes, head closes the pipe early and xargs reports cat's SIGPIPE: not an error.
  stream() { (cd "$xdir" && xargs -d '\n' cat -- < "$list") 2> >(grep -v "terminated by signal 13" >&2); }
fi

echo "writing $out ..." >&2
if [[ -z "$max" ]]; then
  stream > "$tmp"
else
  # head closes the pipe after N bytes and tar then dies of SIGPIPE: that is
  # only an error if the output came out short.
  set +e; stream | head -c "$max" > "$tmp"; st=("${PIPESTATUS[@]}"); set -e
  if ((st[1] != 0)) || { ((st[0] != 0)) && (($(stat -c %s "$tmp") < max)); }; then
    echo "make-linux-corpus: extraction failed (tar status ${st[0]}, head status ${st[1]})" >&2; exit 1
  fi
fi
chmod "=rw" "$tmp"  # mktemp makes it 0600; give it the usual umask-based mode
mv -f -- "$tmp" "$out"

size="$(stat -c %s "$out")"
sha="$(sha256sum "$out" | cut -d' ' -f1)"
echo "$out: $size bytes, sha256 $sha ($PKG $version)"
# charnn's default utf-8 mode stops at the first invalid byte (older kernels
# had Latin-1 comments; 6.1 is clean), so say which --encoding will work.
if iconv -f UTF-8 -t UTF-8 "$out" > /dev/null 2>&1; then
  echo "valid UTF-8: charnn preprocess --encoding utf-8 (the default) accepts it"
else
  echo "not valid UTF-8: use charnn preprocess --encoding bytes (utf-8 mode reports the byte offset and stops)"
fi
