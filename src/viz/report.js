(function () {
  'use strict';
  var body = document.body;
  body.classList.add('js');
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function params() {
    var out = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (p) {
      if (!p) return;
      var i = p.indexOf('=');
      out[decodeURIComponent(i < 0 ? p : p.slice(0, i))] = i < 0 ? null : decodeURIComponent(p.slice(i + 1));
    });
    return out;
  }
  function hashOf(p) {
    return Object.keys(p).map(function (k) {
      return encodeURIComponent(k) + (p[k] === null ? '' : '=' + encodeURIComponent(p[k]));
    }).join('&');
  }
  function setParam(k, v) {  // records a view in the hash without navigating
    var p = params();
    if (v === undefined) delete p[k]; else p[k] = v;
    try { history.replaceState(null, '', '#' + hashOf(p)); } catch (e) {}
  }
  function open(id) {  // a view's params stay; the element to open replaces the last one
    var p = params();
    Object.keys(p).forEach(function (k) { if (p[k] === null) delete p[k]; });
    p[id] = null;
    location.hash = hashOf(p);
  }
  var logx = document.getElementById('logx');
  function setLog(on) { body.classList.toggle('logx', on); if (logx) logx.checked = on; }
  if (logx) logx.addEventListener('change', function () { setLog(logx.checked); setParam('logx', logx.checked ? '1' : undefined); });

  var table = document.getElementById('trials');
  function missing(v) { return v === '' || v === '-'; }
  function key(tr, i) {
    var td = tr.cells[i];
    return td.hasAttribute('data-v') ? td.getAttribute('data-v') : td.textContent.trim();
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (!isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b, undefined, {numeric: true});
  }
  function sortBy(th) {  // ascending, or descending when it already is ascending; '-' cells last
    var i = th.cellIndex, desc = th.getAttribute('aria-sort') === 'ascending';
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    rows.sort(function (r1, r2) {
      var a = key(r1, i), b = key(r2, i);
      if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
      return desc ? compare(b, a) : compare(a, b);
    });
    rows.forEach(function (r) { table.tBodies[0].appendChild(r); });
    each(table.tHead.rows[0].cells, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
    return desc;
  }
  if (table) {
    each(table.tHead.rows[0].cells, function (th) {
      th.addEventListener('click', function () {
        setParam('sort', (sortBy(th) ? '-' : '') + th.getAttribute('data-key'));
      });
    });
    each(table.tBodies[0].rows, function (tr) {
      tr.addEventListener('click', function () { open(tr.getAttribute('data-target')); });
    });
  }
  function sortFromHash(spec) {
    var desc = spec.charAt(0) === '-', name = desc ? spec.slice(1) : spec;
    if (!table) return;
    each(table.tHead.rows[0].cells, function (th) {
      if (th.getAttribute('data-key') !== name) return;
      th.setAttribute('aria-sort', desc ? 'ascending' : 'none');
      th.click();
    });
  }
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest ? ev.target.closest('a[href^="#trial-"]') : null;
    if (!a) return;
    ev.preventDefault();
    ev.stopPropagation();
    open(a.getAttribute('href').slice(1));
  }, true);

  function showTab(box, temp) {
    var found = false;
    each(box.querySelectorAll('.tab'), function (b) { found = found || b.getAttribute('data-temp') === temp; });
    if (!found) return;
    each(box.querySelectorAll('.tab, .tabpanel'), function (el) {
      el.classList.toggle('active', el.getAttribute('data-temp') === temp);
    });
  }
  each(document.querySelectorAll('.samples'), function (box) {
    each(box.querySelectorAll('.tab'), function (b) {
      b.addEventListener('click', function () {
        var t = b.getAttribute('data-temp');
        each(document.querySelectorAll('.samples'), function (x) { showTab(x, t); });
        setParam('temp', t);
      });
    });
  });

  function apply() {
    var p = params();
    setLog('logx' in p && p.logx !== '0');
    if (p.sort) sortFromHash(p.sort);
    if (p.temp) each(document.querySelectorAll('.samples'), function (box) { showTab(box, p.temp); });
    Object.keys(p).forEach(function (k) {
      var el = p[k] === null ? document.getElementById(k) : null;
      if (!el) return;
      if (el.tagName === 'DETAILS') el.open = true;
      el.scrollIntoView();
    });
  }
  window.addEventListener('hashchange', apply);
  apply();
})();
