# Headless Chromium over a page charnn wrote, opened from disk with no network:
# the tests of the HTML pages (neurons, report) read the DOM after the page's
# script ran and save a screenshot. Source after lib.sh.
#
#   browser_check                    exit 77 (skip) if chromium is missing
#   browser_dom PAGE [FRAGMENT]      the DOM after scripts ran, on stdout
#   browser_shot PAGE PNG [WxH] [FRAGMENT]
#
# FRAGMENT is appended to the file URL as #FRAGMENT (pages may read
# location.hash to open a view, e.g. one cell at one position).
# The network is off for real: as root the browser runs in a new network
# namespace with no interfaces (unshare -n); otherwise every host resolves to
# nothing. The pages also carry a CSP that forbids fetches (src/viz/html.h).

BROWSER=${CHARNN_CHROMIUM:-chromium}

browser_check() {
  command -v "$BROWSER" >/dev/null || { echo "skip: $BROWSER not installed (scripts/install-deps.sh)"; exit 77; }
}

_browser() {  # _browser ARGS... : run headless, stderr to $WORK/browser.log
  local isolate=()
  if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then isolate=(unshare -n); fi
  # A private profile per call: no state shared between tests or with a user's browser.
  local profile; profile=$(mktemp -d "$WORK/chromium-profile-XXXXXX")
  "${isolate[@]}" "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --disable-extensions \
    --user-data-dir="$profile" --host-resolver-rules='MAP * ~NOTFOUND' --virtual-time-budget=10000 \
    "$@" 2>>"$WORK/browser.log"
  local rc=$?
  rm -rf "$profile"
  return $rc
}

_page_url() {  # _page_url PAGE [FRAGMENT]
  local url="file://$(realpath "$1")"
  [ -z "${2:-}" ] || url="$url#$2"
  echo "$url"
}

browser_dom() {
  _browser --dump-dom "$(_page_url "$1" "${2:-}")"
}

browser_shot() {
  local page=$1 png=$2 size=${3:-1280,900} frag=${4:-}
  _browser --hide-scrollbars --window-size="$size" --screenshot="$(realpath -m "$png")" "$(_page_url "$page" "$frag")" >/dev/null
  [ -s "$png" ] || die "no screenshot of $page (see $WORK/browser.log)"
}
