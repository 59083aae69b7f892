/**
 * The live exam dashboard a proctor keeps open (readable on a projector). Figures are pushed
 * over Socket.IO (namespace /proctor) every few seconds; charts are uPlot, served by the API
 * from the project's own install. No external assets: exam rooms may have no internet.
 */
export const PROCTOR_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sqlfleet · proctor</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/proctor/uplot.css">
<style>
:root{--ok:#1a7f37;--bad:#c62828;--warn:#b26a00;--ink:#1b1f24;--mute:#5b6570;--line:#d8dde3}
body{font:16px system-ui,sans-serif;margin:0;color:var(--ink);background:#f6f8fa}
header{display:flex;align-items:baseline;gap:1.5rem;padding:.8rem 1.5rem;background:#fff;border-bottom:1px solid var(--line)}
header h1{font-size:1.4rem;margin:0}#status{color:var(--mute)}#status.stale{color:var(--bad);font-weight:600}
#degraded{margin:0;padding:0}#degraded li{list-style:none;background:var(--bad);color:#fff;padding:.6rem 1.5rem;font-size:1.2rem;font-weight:600}
main{padding:1rem 1.5rem;display:grid;gap:1rem}
section.scope{background:#fff;border:1px solid var(--line);border-radius:8px;padding:1rem 1.2rem}
section.scope h2{margin:0 0 .6rem;font-size:1.3rem}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(12rem,1fr));gap:.6rem}
.figure{border:1px solid var(--line);border-radius:6px;padding:.4rem .6rem}
.figure .label{color:var(--mute);font-size:.85rem}.figure .value{font-size:2rem;font-weight:650;font-variant-numeric:tabular-nums}
.figure .value.bad{color:var(--bad)}.figure .value.pair{font-size:1.3rem;line-height:2.4rem;white-space:nowrap}.figure .value small{font-size:1rem;color:var(--mute)}
.outcomes{margin:.6rem 0;display:flex;flex-wrap:wrap;gap:.4rem}
.outcome{padding:.15rem .5rem;border-radius:4px;background:#eef1f4;font-variant-numeric:tabular-nums}
.outcome.ok{background:#dff3e4}.outcome.err{background:#fde2e1}
.charts{display:flex;flex-wrap:wrap;gap:1rem}.chart{min-width:300px}
.workers{color:var(--mute)}#empty{color:var(--mute)}
</style></head><body>
<header><h1>sqlfleet · exam dashboard</h1><span id="status">connecting…</span><span class="workers" id="workers"></span></header>
<ul id="degraded"></ul>
<main id="scopes"><p id="empty">Waiting for the first figures…</p></main>
<script src="/socket.io/socket.io.min.js"></script>
<script src="/proctor/uplot.js"></script>
<script src="/proctor/dashboard.js"></script>
</body></html>`;

/** The page's script: connects with the URL's token, renders each pushed snapshot. */
export const PROCTOR_SCRIPT = `(function () {
  'use strict';
  var token = new URLSearchParams(location.search).get('token') || '';
  var charts = {};
  window.sqlfleetCharts = charts;
  var lastAt = 0;
  var statusEl = document.getElementById('status');

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function ms(v) { return v === null || v === undefined ? '–' : v >= 1000 ? (v / 1000).toFixed(1) + ' s' : v + ' ms'; }
  function figure(label, value, key, bad) {
    var box = el('div', 'figure');
    value = String(value);
    box.appendChild(el('div', 'label', label));
    var v = el('div', 'value' + (bad ? ' bad' : '') + (/[/·]/.test(value) ? ' pair' : ''), value);
    v.dataset.figure = key;
    box.appendChild(v);
    return box;
  }
  function chart(id, title, series, width, points) {
    var opts = {
      title: title, width: width, height: 170,
      scales: { x: { time: true } },
      series: [{}].concat(series.map(function (s) { return { label: s[0], stroke: s[1], width: 2, spanGaps: true, points: { show: points, size: 5, fill: s[1] } }; })),
      axes: [{}, { size: 55 }]
    };
    return new uPlot(opts, [[]].concat(series.map(function () { return []; })), document.getElementById(id));
  }
  function scopeSection(key, title, figures) {
    var id = 'scope-' + key.replace(/[^A-Za-z0-9_-]/g, '_');
    var section = document.getElementById(id);
    if (!section) {
      section = el('section', 'scope');
      section.id = id;
      section.dataset.scope = key;
      section.appendChild(el('h2', '', title));
      section.appendChild(el('div', 'figures'));
      section.appendChild(el('div', 'outcomes'));
      var row = el('div', 'charts');
      var a = el('div', 'chart'); a.id = id + '-answers';
      var b = el('div', 'chart'); b.id = id + '-latency';
      row.appendChild(a); row.appendChild(b);
      section.appendChild(row);
      document.getElementById('scopes').appendChild(section);
      var width = Math.max(300, Math.min(620, (section.clientWidth - 40) / 2));
      charts[key] = {
        answers: chart(a.id, 'answers per 10 s (last 15 min)', [['answered', '#1a7f37'], ['errors', '#c62828']], width, false),
        latency: chart(b.id, 'p95 per 10 s, ms', [['wait', '#b26a00'], ['run', '#1f5fbf']], width, true)
      };
    }
    var box = section.querySelector('.figures');
    box.replaceChildren.apply(box, figures);
    return section;
  }
  function render(key, title, v, extra) {
    var m = v.lastMinute;
    var errors = 0;
    Object.keys(m.outcomes).forEach(function (k) { if (k !== 'ok' && k !== 'truncated') errors += m.outcomes[k]; });
    var figures = [
      figure('students connected', v.students, 'students'),
      figure('live sessions', v.sessions, 'sessions'),
      figure('waiting', v.waiting, 'waiting', v.waiting > 0 && v.running === 0),
      figure('running', v.running, 'running'),
      figure('queries · last min', m.queries, 'queries'),
      figure('errors · last min', errors, 'errors', errors > 0),
      figure('wait p50 / p95', ms(m.waitMs.p50) + ' / ' + ms(m.waitMs.p95), 'wait'),
      figure('run p50 / p95', ms(m.runMs.p50) + ' / ' + ms(m.runMs.p95), 'run')
    ].concat(extra || []);
    var section = scopeSection(key, title, figures);
    var outcomes = section.querySelector('.outcomes');
    var names = Object.keys(m.outcomes).sort();
    outcomes.replaceChildren.apply(outcomes, names.length ? names.map(function (k) {
      var tag = el('span', 'outcome ' + (k === 'ok' || k === 'truncated' ? 'ok' : 'err'), k + ': ' + m.outcomes[k] + '/min');
      tag.dataset.outcome = k;
      return tag;
    }) : [el('span', 'outcome', 'no queries in the last minute')]);
    var t = v.series.at.map(function (x) { return x / 1000; });
    charts[key].answers.setData([t, v.series.answered, v.series.errors]);
    charts[key].latency.setData([t, v.series.waitP95, v.series.runP95]);
  }
  function show(snapshot) {
    lastAt = Date.now();
    statusEl.className = '';
    statusEl.textContent = 'live · updated ' + new Date(snapshot.at).toLocaleTimeString();
    var degraded = document.getElementById('degraded');
    degraded.replaceChildren.apply(degraded, snapshot.degraded.map(function (d) {
      var li = el('li', '', d.message); li.dataset.code = d.code; return li;
    }));
    var w = snapshot.workers;
    document.getElementById('workers').textContent =
      'workers alive: ' + w.alive + ' · busy ' + w.busy + ' of ' + w.capacity;
    var empty = document.getElementById('empty');
    var rooms = Object.keys(snapshot.rooms);
    if (empty && (rooms.length || snapshot.fleet)) empty.remove();
    else if (empty) empty.textContent = 'No room activity yet.';
    if (snapshot.fleet) {
      render('fleet', 'Whole fleet', snapshot.fleet, [figure('sandboxes live', snapshot.fleet.sandboxesLive, 'sandboxes')]);
    }
    rooms.forEach(function (room) {
      var v = snapshot.rooms[room];
      var exam = v.exam ? [
        figure('pre-warmed ready / target', v.exam.ready + ' / ' + v.exam.target, 'exam-ready'),
        figure('claimed · missed', v.exam.claimed + ' · ' + v.exam.missed, 'exam-claimed', v.exam.missed > 0),
        figure('sandboxes building', v.exam.building, 'exam-building')
      ] : [];
      render('room:' + room, 'Room ' + room, v, exam);
    });
  }
  var socket = io('/proctor', { auth: { token: token }, transports: ['websocket', 'polling'] });
  socket.on('dashboard', show);
  socket.on('connect_error', function (err) {
    statusEl.className = 'stale';
    statusEl.textContent = 'refused: ' + (err && err.message ? err.message : 'cannot connect');
  });
  socket.on('disconnect', function () { statusEl.className = 'stale'; statusEl.textContent = 'disconnected; reconnecting…'; });
  setInterval(function () {
    if (lastAt && Date.now() - lastAt > 10000) { statusEl.className = 'stale'; statusEl.textContent = 'no update for ' + Math.round((Date.now() - lastAt) / 1000) + ' s'; }
  }, 2000);
})();
`;
