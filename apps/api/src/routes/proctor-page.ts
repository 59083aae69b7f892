/**
 * A page a proctor keeps open during an exam: the backlog by room and engine, refreshed
 * every two seconds from /api/queue. Plain HTML, no build step, no external assets.
 */
export const PROCTOR_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>sqlfleet · queue</title>
<style>
body{font:15px system-ui,sans-serif;margin:2rem;color:#222}
h1{font-size:1.3rem}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #ccc;padding:.3rem .8rem;text-align:left}
.big{font-size:2rem;font-weight:600}#err{color:#b00}
</style></head><body>
<h1>sqlfleet queue</h1>
<p>Queries waiting or running: <span id="queries" class="big">…</span>
 · sessions waiting: <span id="waiting">…</span> · sessions running: <span id="active">…</span></p>
<h2>By room</h2><table id="rooms"></table>
<h2>By engine</h2><table id="engines"></table>
<p id="at"></p><p id="err"></p>
<script>
const fill = (id, counts) => {
  const rows = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  document.getElementById(id).innerHTML = rows.length
    ? '<tr><th>name</th><th>queries</th></tr>' + rows.map(([k, v]) => '<tr><td></td><td>' + v + '</td></tr>').join('')
    : '<tr><td>nothing waiting</td></tr>';
  rows.forEach(([k], i) => { if (rows.length) document.getElementById(id).rows[i + 1].cells[0].textContent = k; });
};
async function refresh() {
  try {
    const token = new URLSearchParams(location.search).get('token');
    const response = await fetch('/api/queue', token ? { headers: { authorization: 'Bearer ' + token } } : {});
    if (!response.ok) throw new Error('HTTP ' + response.status);
    const q = await response.json();
    document.getElementById('queries').textContent = q.queries;
    document.getElementById('waiting').textContent = q.sessions.waiting;
    document.getElementById('active').textContent = q.sessions.active;
    fill('rooms', q.byRoom); fill('engines', q.byEngine);
    document.getElementById('at').textContent = 'updated ' + q.at;
    document.getElementById('err').textContent = '';
  } catch (e) { document.getElementById('err').textContent = 'cannot reach the API: ' + e; }
}
refresh(); setInterval(refresh, 2000);
</script></body></html>`;
