// The dashboard: sign in (session cookie), pick a project, unique visitors per day.
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const res = await fetch(path, { method, credentials: 'same-origin', headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const data = res.status === 204 ? null : await res.json();
  if (!res.ok) throw new Error(data?.error?.message ?? `HTTP ${res.status}`);
  return data;
}

function showError(err) {
  $('error').textContent = err ? err.message : '';
}

function drawChart(series) {
  const svg = $('chart');
  const width = svg.clientWidth || 800;
  const height = 200;
  const max = Math.max(1, ...series.map((p) => p.count));
  const step = width / Math.max(1, series.length);
  const ns = 'http://www.w3.org/2000/svg';
  svg.replaceChildren();
  series.forEach((p, i) => {
    const h = (p.count / max) * (height - 20);
    const rect = document.createElementNS(ns, 'rect');
    rect.setAttribute('x', String(i * step + 1));
    rect.setAttribute('y', String(height - h));
    rect.setAttribute('width', String(Math.max(1, step - 2)));
    rect.setAttribute('height', String(h));
    const title = document.createElementNS(ns, 'title');
    title.textContent = `${p.start.slice(0, 10)}: ${p.count}`;
    rect.append(title);
    svg.append(rect);
  });
  const label = document.createElementNS(ns, 'text');
  label.setAttribute('x', '0');
  label.setAttribute('y', '10');
  label.textContent = `max ${max}`;
  svg.append(label);
}

async function refresh() {
  const projectId = $('project').value;
  if (!projectId) return;
  const days = Number($('days').value);
  const to = new Date(Math.ceil(Date.now() / 86400000) * 86400000);
  const from = new Date(to.getTime() - days * 86400000);
  const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), interval: 'day' });
  try {
    const data = await api('GET', `/v1/projects/${encodeURIComponent(projectId)}/unique-visitors?${q}`);
    $('total').textContent = String(data.total);
    drawChart(data.series);
    showError(null);
  } catch (err) {
    showError(err);
  }
}

async function start() {
  try {
    const me = await api('GET', '/v1/me');
    $('login').hidden = true;
    $('main').hidden = false;
    $('who').textContent = me.member.email;
    const select = $('project');
    select.replaceChildren();
    for (const account of me.accounts) {
      const { projects } = await api('GET', `/v1/accounts/${account.id}/projects`);
      for (const p of projects) select.append(new Option(`${account.name} / ${p.name}`, p.id));
    }
    await refresh();
  } catch {
    $('login').hidden = false;
    $('main').hidden = true;
  }
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  try {
    await api('POST', '/v1/session', { email: form.get('email'), password: form.get('password') });
    showError(null);
    await start();
  } catch (err) {
    showError(err);
  }
});
$('logout').addEventListener('click', async () => {
  await api('DELETE', '/v1/session');
  await start();
});
$('project').addEventListener('change', refresh);
$('days').addEventListener('change', refresh);
start();
