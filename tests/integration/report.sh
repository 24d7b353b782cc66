# charnn report: the HTML page of a run and of a sweep, read back from the DOM
# headless Chromium builds (network off) after the page's script ran: charts
# with a point per metrics line, the table of `charnn sweep table`, sorting,
# the best trial, the samples, a run still going, and the output rules.
# CHARNN_SHOT_DIR=DIR keeps the screenshots (report-run.png, report-sweep.png, ...).
HERE=$(cd "$(dirname "$0")" && pwd)  # lib.sh changes to a scratch directory
source "$HERE/lib.sh"
source "$HERE/browser_lib.sh"
browser_check
DATA=$(readlink -f "$(shakespeare_h5)")

shots() {  # shots PAGE NAME [FRAGMENT]: a screenshot, kept when CHARNN_SHOT_DIR is set
  browser_shot "$1" "$2.png" 1280,1400 "${3:-}"
  [ -z "${CHARNN_SHOT_DIR:-}" ] || cp "$2.png" "$CHARNN_SHOT_DIR/"
}

# The DOM as a tree, and asserts over it: `$PY dom.py DOMFILE <<'EOF' ... EOF`
# runs the Python on stdin with q(tag, cls=..., **attrs) (descendants of the
# document, or of `under`), text(node), points(path) and jsonl(path) defined.
cat > dom.py <<'PYEOF'
import html.parser, json, re, sys
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children, self.data = tag, dict(attrs), parent, [], []
class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID: self.cur = n
    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))
    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag: n = n.parent
        if n is not None and n.parent is not None: self.cur = n.parent
    def handle_data(self, d):
        self.cur.children.append(d)
_tree = Tree(); _tree.feed(open(sys.argv[1], encoding="utf-8").read())
def walk(n):
    for c in n.children:
        if isinstance(c, Node):
            yield c
            yield from walk(c)
def q(tag=None, cls=(), under=None, **attrs):
    cls = (cls,) if isinstance(cls, str) else cls
    out = []
    for n in walk(under or _tree.root):
        if tag and n.tag != tag: continue
        if not set(cls) <= set(n.attrs.get("class", "").split()): continue
        if any(n.attrs.get(k.replace("_", "-")) != v for k, v in attrs.items()): continue
        out.append(n)
    return out
def text(n):
    return "".join(c if isinstance(c, str) else text(c) for c in n.children)
def points(path):
    d = path.attrs["d"]
    assert int(path.attrs["data-points"]) == len(re.findall(r"[ML]", d)), d
    return len(re.findall(r"[ML]", d))
def jsonl(path):
    out = []
    for line in open(path):
        try: out.append(json.loads(line))
        except ValueError: pass  # a partial last line
    return out
exec(sys.stdin.read())
PYEOF

# ---- A run with samples at two temperatures ----
"$CHARNN" train --data "$DATA" "${TINY[@]}" --max_iters 12 --eval_val_every 4 --sample_every 4 --sample_length 24 \
  --sample_temperatures 0.5,1 --checkpoint_dir run >train.out 2>&1 || die "train: $(cat train.out)"
[ "$("$CHARNN" report run)" = run/report.html ] || die "report run: not DIR/report.html"
browser_dom run/report.html > run.dom
"$PY" dom.py run.dom <<'PYEOF' || die "run page"
m = jsonl("run/metrics.jsonl")
train = [j for j in m if j["event"] == "train"]
val = [j for j in m if j["event"] == "val"]
assert len(train) == 12 and len(val) == 3, (len(train), len(val))
fig = q("figure", id="loss")[0]
for view in ("xs-lin", "xs-log"):
    g = q("g", view, under=fig)[0]
    assert [points(p) for p in q("path", "train", under=g)] == [len(train)], view
    assert [points(p) for p in q("path", "val", under=g)] == [len(val)], view
for fid, cls in (("lr", "lr"), ("cps", "cps")):
    assert [points(p) for p in q("path", cls, under=q("figure", id=fid)[0])] == [len(train)] * 2, fid
assert "js" in q("body")[0].attrs["class"].split()
assert "finished" in q("div", id="progress")[0].attrs["class"], "banner"
# Samples: a tab per temperature, an entry per sample point in each, in order.
s = jsonl("run/samples.jsonl")
temps = sorted({j["temperature"] for j in s})
assert [b.attrs["data-temp"] for b in q("button", "tab")] == ["0.5", "1"], temps
for t, key in zip(temps, ("0.5", "1")):
    panel = q("div", "tabpanel", data_temp=key)[0]
    entries = q("div", "sample", under=panel)
    assert [e.attrs["data-iter"] for e in entries] == [str(j["iter"]) for j in s if j["temperature"] == t] == ["4", "8", "12"]
    assert [text(q("pre", under=e)[0]) for e in entries] == [j["text"] for j in s if j["temperature"] == t]
assert q("div", ("tabpanel", "active"))[0].attrs["data-temp"] == "1"
assert text(q("pre", "config")[0]) == open("run/config.yaml").read()
PYEOF
browser_dom run/report.html 'logx=1&temp=0.5' > run2.dom
"$PY" dom.py run2.dom <<'PYEOF' || die "run page: #logx=1&temp=0.5"
assert "logx" in q("body")[0].attrs["class"].split()
assert q("input", id="logx")[0] is not None
assert q("div", ("tabpanel", "active"))[0].attrs["data-temp"] == "0.5"
assert q("button", ("tab", "active"))[0].attrs["data-temp"] == "0.5"
PYEOF
shots run/report.html report-run
pass "run: loss, lr and chars/s paths with a point per metrics line in both x views; a tab per temperature, an entry per sample point; the config; #logx and #temp"

# ---- A local sweep; a swept value with HTML in it ----
cat > spec.yaml <<YAML
name: report-test
base: {data: $DATA, rnn_size: 24, embedding_size: 16, batch_size: 8, seq_length: 16, max_iters: 12,
       eval_val_every: 6, val_max_batches: 4, print_every: 2, threads: 1}
sweep:
  method: grid
  parameters:
    learning_rate: [0.004, 0.002]
    savefile: ['<i>x&y"', plain]
YAML
"$CHARNN" sweep run spec.yaml --local --dir sw --parallel 2 > sweep.out 2>&1 || die "sweep: $(cat sweep.out)"
"$CHARNN" report sw --out sw.html >/dev/null
"$CHARNN" sweep table sw --format csv > table.csv
browser_dom sw.html > sw.dom
"$PY" dom.py sw.dom <<'PYEOF' || die "sweep page"
import csv
table = list(csv.reader(open("table.csv")))
# The page's trial table is the CSV's but for the CSV's job columns (where each trial ran).
assert table[0][-4:] == ["slurm_job_id", "slurm_array_job_id", "slurm_array_task_id", "hosts"], table[0]
table = [r[:-4] for r in table]
assert [text(th) for th in q("th", under=q("table", id="trials")[0])] == table[0]
rows = q("tr", under=q("tbody")[0])
assert len(rows) == 4 == len(table) - 1
assert [[text(td) for td in q("td", under=r)] for r in rows] == table[1:]
assert not q("i"), "a swept value became markup"
best = q("tr", "best")
assert len(best) == 1 and best[0] is rows[0] and best[0].attrs["data-trial"] == table[1][0]
curve = q("path", ("trial", "best"), under=q("g", "xs-lin", under=q("figure", id="sweep-val")[0])[0])
assert len(curve) == 1 and curve[0].attrs["data-trial"] == table[1][0]
for r in rows:
    tid = r.attrs["data-trial"]
    m = jsonl("sw/trials/%04d/metrics.jsonl" % int(tid))
    p = q("path", "trial", under=q("g", "xs-lin", under=q("figure", id="sweep-val")[0])[0], data_trial=tid)[0]
    assert points(p) == sum(j["event"] == "val" for j in m) == 2
    section = q("details", "trial", id=r.attrs["data-target"])
    assert len(section) == 1 and section[0].attrs["data-trial"] == tid
    assert points(q("path", "train", under=q("figure", id="%04d-loss" % int(tid))[0])[0]) == 6
assert "finished" in q("div", id="progress")[0].attrs["class"]
assert q("th", data_key="val_loss")[0].attrs["aria-sort"] == "ascending"
PYEOF
shots sw.html report-sweep
pass "sweep: the table has a row per trial with the cells of 'sweep table'; the best trial highlighted in table and chart; a val curve and a section per trial"

# Sorting: the hash clicks the header, as a user would; again reverses it.
sorted_by() {  # sorted_by FRAGMENT PYTHON-EXPR-OVER-cells(column)
  browser_dom sw.html "$1" > sort.dom
  "$PY" dom.py sort.dom <<PYEOF || die "sort #$1"
header = [text(th) for th in q("th", under=q("table", id="trials")[0])]
rows = [[text(td) for td in q("td", under=r)] for r in q("tr", under=q("tbody")[0])]
def cells(name): return [r[header.index(name)] for r in rows]
assert $2, (cells("trial"), cells("learning_rate"))
PYEOF
}
sorted_by 'sort=trial' 'cells("trial") == ["0", "1", "2", "3"] and q("th", data_key="trial")[0].attrs["aria-sort"] == "ascending"'
sorted_by 'sort=-trial' 'cells("trial") == ["3", "2", "1", "0"] and q("th", data_key="trial")[0].attrs["aria-sort"] == "descending"'
sorted_by 'sort=learning_rate' 'cells("learning_rate") == ["0.002", "0.002", "0.004", "0.004"]'
sorted_by 'sort=-savefile' 'cells("savefile") == ["plain", "plain", "<i>x&y\"", "<i>x&y\""]'
sorted_by 'sort=-val_loss&logx=1' 'cells("val_loss") == sorted(cells("val_loss"), reverse=True) and "logx" in q("body")[0].attrs["class"]'
browser_dom sw.html 'trial-0002' > open.dom
"$PY" dom.py open.dom <<'PYEOF' || die "#trial-0002 does not open its section"
assert [d.attrs["id"] for d in q("details", "trial") if "open" in d.attrs] == ["trial-0002"]
PYEOF
pass "sort by #sort=KEY and #sort=-KEY through the header's click handler (numbers, text, descending); #trial-NNNN opens its section"

# ---- Still going: a partial last line, a trial without status.json, files missing ----
cp -r sw swp
f=swp/trials/0000/metrics.jsonl
head -c -25 "$f" > "$f.tmp" && mv "$f.tmp" "$f"  # the last line cut mid-way, as while it is written
sed -i 's/"status": "done"/"status": "running"/' swp/trials/0000/status.json
rm swp/trials/0001/status.json  # its metrics.jsonl ends with "done": finished all the same
rm swp/trials/0003/{status.json,metrics.jsonl,config.yaml,samples.jsonl}  # not started
"$CHARNN" report swp > /dev/null || die "report of a sweep in progress"
"$CHARNN" sweep table swp --format csv > tablep.csv
browser_dom swp/report.html > swp.dom
"$PY" dom.py swp.dom <<'PYEOF' || die "sweep in progress"
import csv
table = [r[:-4] for r in csv.reader(open("tablep.csv"))]  # less the CSV's job columns, as above
rows = q("tr", under=q("tbody")[0])
assert [[text(td) for td in q("td", under=r)] for r in rows] == table[1:]
banner = q("div", id="progress")[0]
assert "inprogress" in banner.attrs["class"] and "again to refresh" in text(banner), text(banner)
assert text(banner).startswith("In progress: 2 of 4 trials finished, 1 running, 1 not started."), text(banner)
complete = sum(1 for l in open("swp/trials/0000/metrics.jsonl") if l.endswith("\n") and '"train"' in l)
assert points(q("path", "train", under=q("figure", id="0000-loss")[0])[0]) == complete
assert "No config.yaml yet" in text(q("details", id="trial-0003")[0])
PYEOF
cp -r run runp
rm runp/report.html
"$PY" - run/metrics.jsonl runp/metrics.jsonl <<'PYEOF'  # up to the last train line, and half of that
import sys
lines = open(sys.argv[1]).readlines()
last = max(i for i, l in enumerate(lines) if '"train"' in l)
open(sys.argv[2], "w").write("".join(lines[:last]) + lines[last][: len(lines[last]) // 2])
PYEOF
"$CHARNN" report runp > /dev/null || die "report of a run in progress"
browser_dom runp/report.html > runp.dom
"$PY" dom.py runp.dom <<'PYEOF' || die "run in progress"
banner = q("div", id="progress")[0]
assert "inprogress" in banner.attrs["class"] and "In progress" in text(banner), text(banner)
assert points(q("path", "train", under=q("g", "xs-lin", under=q("figure", id="loss")[0])[0])[0]) == 12 - 1
PYEOF
shots swp/report.html report-sweep-in-progress
pass "in progress: a cut last line, a trial without status.json and one without files render, with the in-progress banner"

# ---- Outputs: replaces only its own page, never a foreign file or an input ----
"$CHARNN" report run > /dev/null || die "replacing its own report.html"
echo '<!doctype html><p>my notes</p>' > notes.html
cp notes.html notes.orig
expect_error "notes.html: exists and is not a report page written by charnn; refusing to replace it" \
  "$CHARNN" report run --out notes.html
cmp -s notes.html notes.orig || die "a foreign --out file was changed"
mkdir -p mine && cp -r run/config.yaml run/metrics.jsonl mine/ && echo 'mine' > mine/report.html
expect_error "mine/report.html: exists and is not a report page" "$CHARNN" report mine
[ "$(cat mine/report.html)" = mine ] || die "a foreign DIR/report.html was changed"
expect_error "is also an input" "$CHARNN" report run --out run/metrics.jsonl
mkdir adir
expect_error "--output adir: is a directory" "$CHARNN" report run --out adir
ls -a run | grep -q '\.tmp\.' && die "a temporary file was left behind"
pass "its own page is replaced; a foreign file at --out or DIR/report.html, an input or a directory is refused"

# ---- Bad input: one error line naming the file and line ----
one_error() {  # one_error PATTERN CMD...: the error is exactly one line
  expect_error "$@"
  local n; n=$("${@:2}" 2>&1 | wc -l || true)
  [ "$n" = 1 ] || die "expected one line from: ${*:2}; got $n"
}
mkdir empty
one_error "nowhere: not a directory" "$CHARNN" report nowhere
one_error "empty: neither a sweep directory" "$CHARNN" report empty
one_error "spec.yaml: not a directory" "$CHARNN" report spec.yaml
cp -r run bad && rm bad/report.html && sed -i '3s/.*/{"event":"train","iter":3,"loss":"x"}/' bad/metrics.jsonl
one_error 'bad/metrics.jsonl:3: loss: got "x", expected a finite number >= 0' "$CHARNN" report bad
sed -i '3s/.*/not json/' bad/metrics.jsonl
one_error "bad/metrics.jsonl:3: not a JSON object (metrics.jsonl holds one per line)" "$CHARNN" report bad
cp run/metrics.jsonl bad/ && sed -i '2s/.*/{"iter":4,"temperature":1}/' bad/samples.jsonl
one_error 'bad/samples.jsonl:2: no "text"' "$CHARNN" report bad
sed -i '2s/.*/[1,2]/' bad/samples.jsonl
one_error "bad/samples.jsonl:2: got [1,2], expected a JSON object" "$CHARNN" report bad
cp -r sw badsw && printf 'id,learning_rate\nx,1\n' > badsw/trials.csv
one_error "badsw/trials.csv:2: id = 'x'" "$CHARNN" report badsw
[ ! -e bad/report.html ] && [ ! -e badsw/report.html ] || die "a failed report wrote a page"
pass "not a run or sweep, a malformed metrics, samples or trials.csv line: one 'charnn: error:' line naming file:line; no page"
finish
