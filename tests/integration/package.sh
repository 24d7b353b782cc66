# The packages of `cpack` (cmake/Install.cmake, docs/install.md): the .deb's file
# list and Depends (every library the binary links that a Debian package provides is
# a dependency), installed with dpkg into a scratch root whose package database is a
# copy of this machine's (so Depends are checked against what is installed, and the
# machine's own packages and database are not touched); the relocatable .tar.gz
# unpacked and run; every man page renders with `man -l`.
source "$(dirname "$0")/lib.sh"
BUILD=$(cd "$(dirname "$CHARNN")" && pwd)
for t in cpack dpkg dpkg-deb dpkg-shlibdeps help2man; do
  command -v "$t" >/dev/null || { echo "SKIP: no $t (scripts/install-deps.sh installs it)"; exit 77; }
done

cpack --config "$BUILD/CPackConfig.cmake" -B "$WORK/pkg" >cpack.log 2>&1 || { cat cpack.log >&2; die "cpack"; }
deb=$(ls "$WORK"/pkg/charnn_*.deb) tgz=$(ls "$WORK"/pkg/charnn-*.tar.gz)
echo "# $(basename "$deb"): $(stat -c %s "$deb") bytes; $(basename "$tgz"): $(stat -c %s "$tgz") bytes"

dpkg-deb -c "$deb" | awk '{print $NF}' >files.txt
for f in ./usr/bin/charnn ./usr/share/man/man1/charnn.1 ./usr/share/man/man1/charnn-train.1 \
         ./usr/share/bash-completion/completions/charnn ./usr/share/charnn/configs/tinyshakespeare.yaml \
         ./usr/share/charnn/slurm/train.sbatch ./usr/share/modulefiles/charnn/; do
  grep -qxF "$f" files.txt || die "the .deb lacks $f"
done
for c in $("$CHARNN" --list-commands); do
  grep -qxF "./usr/share/man/man1/charnn-$c.1" files.txt || die "the .deb has no man page of '$c'"
done
pass "the .deb holds the binary, a man page per subcommand, the completion, the examples, the module"

depends=$(dpkg-deb -f "$deb" Depends)
echo "# Depends: $depends"
n=0
for lib in $(readelf -d "$BUILD/charnn" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
  path=$(ldd "$BUILD/charnn" | awk -v l="$lib" '$1 == l { print $3 }')
  [ -n "$path" ] || die "ldd does not resolve $lib"
  pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1) || pkg=""
  [ -n "$pkg" ] || continue  # a library no package provides (a pip LibTorch): not a Debian dependency
  tr ',|' '\n\n' <<<"$depends" | awk '{print $1}' | grep -qxF "$pkg" || die "$lib comes from $pkg, which is not in Depends: $depends"
  n=$((n + 1))
done
[ "$n" -ge 5 ] || die "only $n linked libraries came from Debian packages"
pass "Depends names the package of each of the $n linked libraries that come from Debian packages"

# dpkg --root: a scratch root with a copy of this machine's package database.
scratch() {  # DIR [PACKAGE_TO_DROP]: a root whose status lists what is installed here (less one)
  mkdir -p "$1/var/lib/dpkg/info" "$1/var/lib/dpkg/updates" "$1/var/lib/dpkg/triggers"
  : >"$1/var/lib/dpkg/available"
  awk -v drop="${2:-}" 'BEGIN { RS = ""; ORS = "\n\n" } drop == "" || $0 !~ "(^|\n)Package: " drop "\n"' \
    /var/lib/dpkg/status >"$1/var/lib/dpkg/status"
}
install_deb() { dpkg --root="$1" --force-script-chrootless -i "$deb" 2>&1 | grep -v "files list file for package" || true; }
scratch root
install_deb root >dpkg.log
dpkg --root=root -s charnn 2>/dev/null | grep -qx "Status: install ok installed" || { cat dpkg.log >&2; die "dpkg -i into the scratch root"; }
root/usr/bin/charnn --version >version.txt
grep -qxF "data directory: $WORK/root/usr/share/charnn" version.txt || die "installed .deb: $(cat version.txt)"
head -c 100000 "$SHAKESPEARE" >in.txt
root/usr/bin/charnn preprocess --input in.txt --output c.h5 >/dev/null
root/usr/bin/charnn train --data c.h5 "${TINY[@]}" --max_iters 2 --eval_val_every 2 --checkpoint_dir run >/dev/null 2>&1 ||
  die "train with the .deb's binary"
torch_pkg=$(grep -oE 'libtorch[0-9.]*' <<<"$depends" | head -1)
scratch root2 "$torch_pkg"
install_deb root2 >dpkg2.log
grep -q "dependency problems\|depends on $torch_pkg" dpkg2.log || die "dpkg installed the .deb without $torch_pkg: $(cat dpkg2.log)"
pass ".deb installed with dpkg --root into a scratch root (and refused where $torch_pkg is missing); the binary finds its data and trains"

mkdir tgz && tar -xzf "$tgz" -C tgz
top=$(ls tgz)
mv "tgz/$top" relocated
relocated/bin/charnn --version | grep -qxF "data directory: $WORK/relocated/share/charnn" || die "tarball: $(relocated/bin/charnn --version)"
relocated/bin/charnn train --config tinyshakespeare.yaml --data c.h5 "${TINY[@]}" --max_iters 1 --print-config >cfg.txt 2>&1 ||
  die "--config NAME from the tarball's examples: $(cat cfg.txt)"
grep -qx "max_seconds: 300" cfg.txt || die "the example config was not read: $(cat cfg.txt)"
pass "the .tar.gz unpacked and moved runs and finds its example configs"

for page in root/usr/share/man/man1/*.1; do
  out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || die "man -l $page"
  [ -z "$out" ] || die "man -l $page warns: $out"
  text=$(MANWIDTH=80 man -l "$page" 2>/dev/null | sed 's/.\x08//g')
  grep -q "^NAME" <<<"$text" && grep -q "^SYNOPSIS" <<<"$text" || die "$page: no NAME or SYNOPSIS: $text"
  ! grep -q "charnn: error" <<<"$text" || die "$page is an error message: $text"
done
pass "$(ls root/usr/share/man/man1/*.1 | wc -l) man pages render with man -l, without warnings"
echo "$PASSED checks passed"
