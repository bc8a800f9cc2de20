// Runnel's web console: one page, routed by the URL's hash, over the JSON endpoints under /ui/api/.
// Plain JavaScript with no build step; every value from the cluster goes into the page as text, never as HTML.
'use strict';

const view = document.getElementById('view');
let cleanup = [];

// ---- helpers -------------------------------------------------------------------------------------------------

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function text(v) { return v === null || v === undefined ? '-' : String(v); }

function bytes(n) {
  if (n === null || n === undefined) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + ' ' + units[i];
}

function time(ms) { return ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace('Z', 'Z') : '-'; }

function enc(s) { return encodeURIComponent(s); }

async function api(path, options) {
  const init = Object.assign({ headers: {} }, options || {});
  if (init.body !== undefined && typeof init.body !== 'string') {
    init.body = JSON.stringify(init.body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch('/ui/api' + path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || (response.status + ' ' + response.statusText));
  return body;
}

function table(headers, rows, attrs) {
  return h('table', attrs || {},
    h('thead', {}, h('tr', {}, headers.map(c => h('th', { class: c.num ? 'num' : null }, c.label || c)))),
    h('tbody', {}, rows));
}

function col(label, num) { return { label, num }; }

function td(v, num, attrs) { return h('td', Object.assign({ class: num ? 'num' : null }, attrs || {}), v instanceof Node ? v : text(v)); }

function showError(where, e) { where.append(h('div', { class: 'error', role: 'alert' }, e.message || String(e))); }

function render(...nodes) { view.replaceChildren(...nodes); }

// A confirmation dialog; with `typed` the user must type that text first (deleting a topic).
function confirmAction(message, typed) {
  const dialog = document.getElementById('dialog');
  const input = document.getElementById('dialog-input');
  const ok = document.getElementById('dialog-ok');
  document.getElementById('dialog-text').textContent = message;
  input.hidden = !typed;
  input.value = '';
  input.placeholder = typed || '';
  ok.disabled = !!typed;
  input.oninput = () => { ok.disabled = input.value !== typed; };
  dialog.hidden = false;
  if (typed) input.focus();
  return new Promise(resolve => {
    const done = result => { dialog.hidden = true; resolve(result); };
    ok.onclick = () => done(true);
    document.getElementById('dialog-cancel').onclick = () => done(false);
  });
}

// Key or value as the API sends it: text (pretty-printed when it is JSON) or base64.
function payload(p) {
  if (p === null || p === undefined) return h('span', { class: 'muted' }, 'null');
  if (p.encoding === 'base64') return h('pre', { title: p.size + ' bytes, not UTF-8' }, 'base64:' + p.text);
  const t = p.text.trim();
  if ((t.startsWith('{') && t.endsWith('}')) || (t.startsWith('[') && t.endsWith(']'))) {
    try { return h('pre', { class: 'json' }, JSON.stringify(JSON.parse(t), null, 2)); } catch (_) { /* not JSON */ }
  }
  return h('pre', {}, p.text);
}

function headersCell(headers) {
  if (!headers || headers.length === 0) return h('span', { class: 'muted' }, '-');
  return h('div', {}, headers.map(x => h('div', {}, h('b', {}, x.key + ': '), x.value ? x.value.text : 'null')));
}

function recordRow(r, withPartition) {
  return h('tr', { 'data-offset': r.offset },
    withPartition ? td(r.partition, true) : null,
    td(r.offset, true), td(time(r.timestamp)), h('td', {}, payload(r.key)), h('td', { class: 'value' }, payload(r.value)), h('td', {}, headersCell(r.headers)));
}

// ---- pages ---------------------------------------------------------------------------------------------------

async function overview() {
  render(h('h1', {}, 'Cluster'), h('p', { class: 'muted' }, 'Loading…'));
  const c = await api('/cluster');
  document.getElementById('node').textContent = 'node ' + c.thisNode + ' · ' + c.bootstrap;
  const q = c.quorum;
  const quorumRows = q ? [...q.voters.map(v => ['voter', v]), ...q.observers.map(o => ['observer', o])].map(([role, r]) => h('tr', {},
    td(r.id, true), td(role + (r.id === q.leaderId ? ' (leader)' : '')), td(r.logEndOffset, true), td(Math.max(0, q.highWatermark - r.logEndOffset), true),
    td(r.lastCaughtUp > 0 ? Math.max(0, Date.now() - r.lastCaughtUp) + ' ms ago' : '-'))) : [];
  render(
    h('h1', {}, 'Cluster ', h('span', { class: 'muted' }, text(c.clusterId))),
    h('div', { class: 'cards' },
      // The quorum leader is the active controller; DescribeCluster names a random broker as controller (KIP-590).
      card('Brokers', c.brokers.length, 'brokers'), card('Active controller', q ? q.leaderId : 'unknown', 'controller'),
      card('Quorum epoch', q ? q.leaderEpoch : 'unknown', 'quorum-epoch'),
      card('Topics', c.topics, 'topics'), card('Partitions', c.partitions, 'partitions')),
    h('h2', {}, 'Alerts'),
    c.alerts.length === 0 ? h('p', { class: 'good', 'data-testid': 'no-alerts' }, 'No alerts: every partition has a leader and a full ISR, the quorum is in step.')
      : h('ul', { class: 'alerts', 'data-testid': 'alerts' }, c.alerts.map(a => h('li', {}, a))),
    h('h2', {}, 'Brokers'),
    table([col('ID', true), 'HOST', col('PORT', true), 'RACK', col('LEADERS', true), col('REPLICAS', true), 'ROLE'],
      c.brokers.map(b => h('tr', {}, td(b.id, true), td(b.host), td(b.port, true), td(b.rack), td(b.leaders, true), td(b.replicas, true),
        td([q && b.id === q.leaderId ? 'active controller' : null, b.id === c.thisNode ? 'this node' : null].filter(Boolean).join(', ') || '-'))),
      { 'data-testid': 'brokers' }),
    h('h2', {}, 'Metadata quorum'),
    q ? h('div', {}, h('p', { class: 'muted' }, 'High watermark ' + q.highWatermark),
      table([col('NODE', true), 'ROLE', col('LOG-END-OFFSET', true), col('LAG', true), 'LAST CAUGHT UP'], quorumRows, { 'data-testid': 'quorum' }))
      : h('p', { class: 'error' }, 'The quorum could not be described.'));
}

function card(label, value, id) {
  return h('div', { class: 'card', 'data-testid': 'card-' + id }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, text(value)));
}

async function topics() {
  const form = h('form', { class: 'inline', 'data-testid': 'create-topic' },
    h('label', {}, 'Name', h('input', { name: 'name', required: true, pattern: '[a-zA-Z0-9._\\-]+', 'data-testid': 'new-topic-name' })),
    h('label', {}, 'Partitions', h('input', { name: 'partitions', type: 'number', min: 1, placeholder: 'default', 'data-testid': 'new-topic-partitions' })),
    h('label', {}, 'Replication factor', h('input', { name: 'rf', type: 'number', min: 1, placeholder: 'default' })),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'create-topic-submit' }, 'Create topic'));
  const message = h('div');
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const data = new FormData(form);
    const body = { name: data.get('name'), partitions: num(data.get('partitions')), replicationFactor: num(data.get('rf')) };
    const summary = 'Create topic "' + body.name + '" with ' + (body.partitions ?? 'the default number of') + ' partitions and replication factor ' + (body.replicationFactor ?? 'default') + '?';
    if (!await confirmAction(summary)) return;
    message.replaceChildren();
    try {
      await api('/topics', { method: 'POST', body });
      location.hash = '#/topics/' + enc(body.name);
    } catch (err) { showError(message, err); }
  });
  const internals = new URLSearchParams(location.hash.split('?')[1] || '').get('internal') === '1';
  render(h('h1', {}, 'Topics'), form, message, h('p', { class: 'muted' }, 'Loading…'));
  const list = await api('/topics' + (internals ? '?internals=true' : ''));
  render(h('h1', {}, 'Topics'), form, message,
    h('p', {}, h('a', { href: internals ? '#/topics' : '#/topics?internal=1' }, internals ? 'Hide internal topics' : 'Show internal topics')),
    table(['NAME', col('PARTITIONS', true), col('REPLICATION', true), col('UNDER-REPLICATED', true), col('RECORDS', true), col('SIZE', true)],
      list.map(t => h('tr', { 'data-topic': t.name }, h('td', {}, h('a', { href: '#/topics/' + enc(t.name) }, t.name)), td(t.partitions, true), td(t.replicationFactor, true),
        td(t.underReplicated, true, t.underReplicated ? { class: 'num status-STOP' } : null), td(t.records, true), td(bytes(t.bytes), true))),
      { 'data-testid': 'topics' }));
}

function num(v) { return v === null || v === '' ? null : Number(v); }

function topicNav(name, active) {
  const link = (path, label) => h('a', { href: '#/topics/' + enc(name) + path, class: active === path ? 'active' : null }, label);
  return h('p', { class: 'toolbar' }, link('', 'Partitions & configs'), ' · ', link('/messages', 'Browse messages'), ' · ', link('/tail', 'Live tail'), ' · ', link('/produce', 'Produce'));
}

async function topic(name) {
  render(h('h1', {}, 'Topic ' + name), topicNav(name, ''), h('p', { class: 'muted' }, 'Loading…'));
  const t = await api('/topics/' + enc(name));
  const message = h('div');
  const del = h('button', { class: 'danger', 'data-testid': 'delete-topic', onclick: async () => {
    if (!await confirmAction('Delete topic "' + name + '" and all its records? Type its name to confirm.', name)) return;
    try { await api('/topics/' + enc(name), { method: 'DELETE' }); location.hash = '#/topics'; } catch (err) { showError(message, err); }
  } }, 'Delete topic…');
  render(
    h('h1', {}, 'Topic ' + name, ' ', h('span', { class: 'muted' }, t.id)), topicNav(name, ''), message,
    h('h2', {}, 'Partitions'),
    table([col('PARTITION', true), col('LEADER', true), col('EPOCH', true), 'REPLICAS', 'ISR', 'OFFLINE', col('EARLIEST', true), col('LATEST', true), col('RECORDS', true), col('SIZE', true)],
      t.partitions.map(p => h('tr', {}, td(p.partition, true), td(p.leader < 0 ? 'none' : p.leader, true), td(p.leaderEpoch, true), td(p.replicas.join(', ')),
        td(p.isr.join(', '), false, p.isr.length < p.replicas.length ? { class: 'status-WARN' } : null), td(p.offline.length ? p.offline.join(', ') : '-'),
        td(p.earliest, true), td(p.latest, true), td(p.records, true), td(bytes(p.bytes), true))),
      { 'data-testid': 'partitions' }),
    h('h2', {}, 'Configs'),
    h('p', { class: 'muted' }, 'Values set on the topic are highlighted; the others come from the broker or Kafka\'s defaults.'),
    table(['NAME', 'VALUE', 'SOURCE'], t.configs.map(c => h('tr', { class: c.isOverride ? 'override' : null }, td(c.name), td(c.sensitive ? '(sensitive)' : c.value), td(c.source))),
      { 'data-testid': 'configs' }),
    h('h2', {}, 'Danger zone'), t.isInternal ? h('p', { class: 'muted' }, 'Internal topics cannot be deleted here.') : del);
}

async function browse(name) {
  const t = await api('/topics/' + enc(name));
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const form = h('form', { class: 'inline', 'data-testid': 'browse-form' },
    h('label', {}, 'Partition', h('select', { name: 'partition', 'data-testid': 'browse-partition' }, t.partitions.map(p => h('option', { value: p.partition, selected: String(p.partition) === params.get('partition') }, String(p.partition))))),
    h('label', {}, 'From', h('select', { name: 'mode', 'data-testid': 'browse-mode' },
      h('option', { value: 'last' }, 'the latest records'), h('option', { value: 'offset', selected: params.has('offset') }, 'offset'), h('option', { value: 'timestamp', selected: params.has('timestamp') }, 'time (ISO or ms)'))),
    h('label', {}, 'Offset / time', h('input', { name: 'from', 'data-testid': 'browse-from', value: params.get('offset') || params.get('timestamp') || '' })),
    h('label', {}, 'Limit', h('input', { name: 'limit', type: 'number', min: 1, max: 500, value: params.get('limit') || 50 })),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'browse-submit' }, 'Show'));
  const results = h('div', { 'data-testid': 'browse-results' });
  form.addEventListener('submit', e => { e.preventDefault(); load(); });
  async function load() {
    const data = new FormData(form);
    const query = new URLSearchParams({ partition: data.get('partition'), limit: data.get('limit') || 50 });
    const from = String(data.get('from') || '').trim();
    if (data.get('mode') === 'offset' && from) query.set('offset', from);
    if (data.get('mode') === 'timestamp' && from) query.set('timestamp', /^\d+$/.test(from) ? from : String(Date.parse(from)));
    results.replaceChildren(h('p', { class: 'muted' }, 'Reading…'));
    try {
      const r = await api('/topics/' + enc(name) + '/messages?' + query);
      results.replaceChildren(
        h('p', { class: 'muted' }, 'Partition ' + r.partition + ': offsets ' + r.earliest + ' to ' + r.latest + '; showing ' + r.records.length + ' from ' + r.start + '.'),
        table([col('OFFSET', true), 'TIMESTAMP', 'KEY', 'VALUE', 'HEADERS'], r.records.map(x => recordRow(x, false)), { 'data-testid': 'messages' }));
    } catch (err) { results.replaceChildren(); showError(results, err); }
  }
  render(h('h1', {}, 'Messages of ' + name), topicNav(name, '/messages'), form, results);
  await load();
}

function tail(name) {
  const status = h('span', { class: 'pill', 'data-testid': 'tail-status' }, 'connecting');
  const rate = h('span', { class: 'muted', 'data-testid': 'tail-rate' }, '');
  const body = h('tbody', { 'data-testid': 'tail-rows' });
  const list = h('table', { 'data-testid': 'tail' },
    h('thead', {}, h('tr', {}, ['PARTITION', 'OFFSET', 'TIMESTAMP', 'KEY', 'VALUE', 'HEADERS'].map(c => h('th', {}, c)))), body);
  render(h('h1', {}, 'Live tail of ' + name), topicNav(name, '/tail'), h('p', {}, status, ' ', rate,
    h('span', { class: 'muted' }, ' New records appear at the top as the broker hands them out (Server-Sent Events); the last 200 are kept.')), list);
  const source = new EventSource('/ui/api/topics/' + enc(name) + '/tail');
  let count = 0, last = Date.now(), received = 0;
  source.addEventListener('ready', () => { status.textContent = 'live'; status.className = 'pill live'; });
  source.addEventListener('record', e => {
    const r = JSON.parse(e.data);
    body.prepend(recordRow(r, true));
    while (body.children.length > 200) body.lastChild.remove();
    count++; received++;
  });
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) { status.textContent = 'closed'; status.className = 'pill'; } else { status.textContent = 'reconnecting'; status.className = 'pill'; } };
  const timer = setInterval(() => {
    const now = Date.now();
    rate.textContent = (count * 1000 / Math.max(1, now - last)).toFixed(1) + ' records/s · ' + received + ' received ·';
    count = 0; last = now;
  }, 1000);
  cleanup.push(() => { source.close(); clearInterval(timer); });
}

async function produce(name) {
  const t = await api('/topics/' + enc(name));
  const form = h('form', { 'data-testid': 'produce-form' },
    h('div', { class: 'inline toolbar' },
      h('label', {}, 'Partition', h('select', { name: 'partition' }, h('option', { value: '' }, 'by key (partitioner)'), t.partitions.map(p => h('option', { value: p.partition }, String(p.partition))))),
      h('label', {}, 'Key', h('input', { name: 'key', 'data-testid': 'produce-key', placeholder: 'none' }))),
    h('div', { class: 'toolbar' }, h('label', {}, 'Value', h('textarea', { name: 'value', 'data-testid': 'produce-value', placeholder: '{"hello": "world"}' })),
      h('label', {}, 'Headers (one key=value a line)', h('textarea', { name: 'headers', 'data-testid': 'produce-headers', placeholder: 'source=console' }))),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'produce-submit' }, 'Produce'));
  const result = h('div', { 'data-testid': 'produce-result' });
  form.addEventListener('submit', async e => {
    e.preventDefault();
    const data = new FormData(form);
    const headers = String(data.get('headers') || '').split('\n').map(l => l.trim()).filter(Boolean)
      .map(l => { const i = l.indexOf('='); return i < 0 ? { key: l, value: null } : { key: l.slice(0, i), value: l.slice(i + 1) }; });
    const body = { partition: num(data.get('partition')), key: data.get('key') || null, value: data.get('value'), headers };
    result.replaceChildren();
    try {
      const r = await api('/topics/' + enc(name) + '/messages', { method: 'POST', body });
      result.append(h('div', { class: 'notice' }, 'Written to partition ' + r.partition + ' at offset ' + r.offset + '. ',
        h('a', { href: '#/topics/' + enc(name) + '/messages?partition=' + r.partition + '&offset=' + r.offset }, 'Show it')));
    } catch (err) { showError(result, err); }
  });
  render(h('h1', {}, 'Produce to ' + name), topicNav(name, '/produce'), h('p', { class: 'muted' }, 'Writes one record with acks=all.'), form, result);
}

async function groups() {
  render(h('h1', {}, 'Consumer groups'), h('p', { class: 'muted' }, 'Loading…'));
  const list = await api('/groups');
  render(h('h1', {}, 'Consumer groups'),
    list.length === 0 ? h('p', { class: 'muted' }, 'No groups.') :
      table(['GROUP', 'STATE', 'PROTOCOL TYPE'], list.map(g => h('tr', {}, h('td', {}, h('a', { href: '#/groups/' + enc(g.groupId) }, g.groupId)), td(g.state), td(g.protocolType || '-'))),
        { 'data-testid': 'groups' }));
}

const lagHistory = new Map();

async function group(id) {
  const summary = h('div');
  const members = h('div');
  const lagTable = h('div');
  const chart = h('div');
  const refresh = h('label', { class: 'inline' }, h('span', {}, h('input', { type: 'checkbox', 'data-testid': 'auto-refresh' }), ' refresh every 5 s'));
  const reset = resetForm(id, () => load());
  render(h('h1', {}, 'Group ' + id), summary, h('h2', {}, 'Lag'), refresh, lagTable, chart, h('h2', {}, 'Members'), members, h('h2', {}, 'Reset offsets'), reset);
  async function load() {
    let g;
    try { g = await api('/groups/' + enc(id)); } catch (err) { summary.replaceChildren(); showError(summary, err); return; }
    summary.replaceChildren(h('div', { class: 'cards' }, card('State', g.state, 'state'), card('Members', g.members.length, 'members'),
      card('Total lag', g.totalLag, 'total-lag'), h('div', { class: 'card' }, h('div', { class: 'label' }, 'Status'), h('div', { class: 'value status-' + g.status, 'data-testid': 'group-status' }, g.status))));
    lagTable.replaceChildren(table(['TOPIC', col('PARTITION', true), col('CURRENT-OFFSET', true), col('LOG-END-OFFSET', true), col('LAG', true), 'CONSUMER-ID', 'HOST', 'CLIENT-ID', col('LAG-SECONDS', true), 'STATUS'],
      g.lag.map(r => h('tr', {}, td(r.topic), td(r.partition, true), td(r.currentOffset, true), td(r.logEndOffset, true), td(r.lag, true), td(r.consumerId), td(r.host), td(r.clientId),
        td(r.lagSeconds, true), td(r.status, false, { class: 'status-' + r.status }))),
      { 'data-testid': 'lag' }));
    members.replaceChildren(g.members.length === 0 ? h('p', { class: 'muted' }, 'No active members.') :
      table(['MEMBER', 'INSTANCE', 'CLIENT-ID', 'HOST', 'ASSIGNMENT'], g.members.map(m => h('tr', {}, td(m.memberId), td(m.groupInstanceId), td(m.clientId), td(m.host),
        td(m.assignment.map(a => a.topic + '-' + a.partition).join(', ') || '-'))), { 'data-testid': 'members' }));
    const history = lagHistory.get(id) || [];
    history.push(g.totalLag);
    if (history.length > 60) history.shift();
    lagHistory.set(id, history);
    chart.replaceChildren(sparkline(history));
  }
  const timer = setInterval(() => { if (refresh.querySelector('input').checked) load(); }, 5000);
  cleanup.push(() => clearInterval(timer));
  await load();
}

// Total lag over the refreshes of this page: a line, newest on the right.
function sparkline(values) {
  if (values.length < 2) return h('p', { class: 'muted' }, 'Total lag over time: shown from the next refresh on.');
  const w = 360, hgt = 60, max = Math.max(1, ...values);
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart'); svg.setAttribute('width', w); svg.setAttribute('height', hgt);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', values.map((v, i) => ((values.length === 1 ? w : i * w / (values.length - 1)) + ',' + (hgt - 4 - v * (hgt - 8) / max))).join(' '));
  svg.append(line);
  return h('div', {}, h('span', { class: 'muted' }, 'Total lag over this page\'s refreshes (max ' + max + ')'), h('br'), svg);
}

function resetForm(id, reload) {
  const form = h('form', { class: 'inline', 'data-testid': 'reset-form' },
    h('label', {}, 'To', h('select', { name: 'target', 'data-testid': 'reset-target' },
      ['earliest', 'latest', 'offset', 'timestamp', 'shift'].map(t => h('option', { value: t }, t)))),
    h('label', {}, 'Value (offset, ms or shift)', h('input', { name: 'value', 'data-testid': 'reset-value' })),
    h('label', {}, 'Topic (all when empty)', h('input', { name: 'topic', 'data-testid': 'reset-topic' })),
    h('button', { type: 'submit', 'data-testid': 'reset-dry-run' }, 'Dry run'));
  const apply = h('button', { type: 'button', class: 'danger', disabled: true, 'data-testid': 'reset-apply' }, 'Apply reset');
  const result = h('div', { 'data-testid': 'reset-result' });
  let planned = null;
  const request = () => {
    const data = new FormData(form);
    return { target: data.get('target'), value: num(data.get('value')), topic: data.get('topic') || null };
  };
  // Any change of the form needs a new dry run before applying.
  form.addEventListener('input', () => { planned = null; apply.disabled = true; });
  form.addEventListener('submit', async e => {
    e.preventDefault();
    result.replaceChildren();
    try {
      const body = Object.assign(request(), { dryRun: true });
      const r = await api('/groups/' + enc(id) + '/reset', { method: 'POST', body });
      planned = body;
      apply.disabled = false;
      result.append(h('p', { class: 'notice' }, 'Dry run: nothing was changed. These offsets would be committed:'), offsetsTable(r.offsets, 'reset-plan'));
    } catch (err) { showError(result, err); }
  });
  apply.addEventListener('click', async () => {
    if (!planned) return;
    if (!await confirmAction('Commit these offsets for group "' + id + '"?')) return;
    try {
      const r = await api('/groups/' + enc(id) + '/reset', { method: 'POST', body: Object.assign({}, planned, { dryRun: false }) });
      planned = null; apply.disabled = true;
      result.replaceChildren(h('p', { class: 'notice', 'data-testid': 'reset-done' }, 'Offsets committed.'), offsetsTable(r.offsets, 'reset-applied'));
      reload();
    } catch (err) { showError(result, err); }
  });
  return h('div', {}, h('p', { class: 'muted' }, 'Only for a group without active members. A dry run shows the new offsets and changes nothing; then apply it.'), form, apply, result);
}

function offsetsTable(offsets, testid) {
  return table(['TOPIC', col('PARTITION', true), col('CURRENT-OFFSET', true), col('NEW-OFFSET', true)],
    offsets.map(o => h('tr', {}, td(o.topic), td(o.partition, true), td(o.currentOffset, true), td(o.newOffset, true))), { 'data-testid': testid });
}

// ---- routing -------------------------------------------------------------------------------------------------

const routes = [
  [/^#?\/?$/, () => overview(), 'overview'],
  [/^#\/topics(\?.*)?$/, () => topics(), 'topics'],
  [/^#\/topics\/([^/?]+)\/messages(\?.*)?$/, m => browse(decodeURIComponent(m[1])), 'topics'],
  [/^#\/topics\/([^/?]+)\/tail$/, m => tail(decodeURIComponent(m[1])), 'topics'],
  [/^#\/topics\/([^/?]+)\/produce$/, m => produce(decodeURIComponent(m[1])), 'topics'],
  [/^#\/topics\/([^/?]+)$/, m => topic(decodeURIComponent(m[1])), 'topics'],
  [/^#\/groups$/, () => groups(), 'groups'],
  [/^#\/groups\/([^/?]+)$/, m => group(decodeURIComponent(m[1])), 'groups'],
];

async function route() {
  for (const stop of cleanup) stop();
  cleanup = [];
  const hash = location.hash || '#/';
  for (const [pattern, page, nav] of routes) {
    const m = hash.match(pattern);
    if (!m) continue;
    document.querySelectorAll('header nav a').forEach(a => a.classList.toggle('active', a.dataset.nav === nav));
    try { await page(m); } catch (err) { render(); showError(view, err); }
    view.setAttribute('data-loaded', hash);
    return;
  }
  render(h('h1', {}, 'Not found'), h('p', {}, h('a', { href: '#/' }, 'Back to the cluster')));
}

window.addEventListener('hashchange', route);
route();
api('/cluster').then(c => { document.getElementById('node').textContent = 'node ' + c.thisNode + ' · ' + c.bootstrap; }).catch(() => {});
