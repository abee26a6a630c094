/* Cellar tracking UI: hash-routed pages over the JSON API; uPlot (served from node_modules) draws
 * metric histories, and edits go through the server's MLflow REST API.
 * Every user string reaches the DOM through textContent or setAttribute, never innerHTML. */
/* global URLSearchParams, location, getComputedStyle, Blob */
(function () {
  'use strict';

  var PAGE_SIZE = 50;
  var PC_DEFAULT_PARAMS = 5;
  var NOTE_TAG = 'mlflow.note.content';
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var RUN_COLOURS = [
    '#2563eb',
    '#dc2626',
    '#059669',
    '#d97706',
    '#7c3aed',
    '#db2777',
    '#0891b2',
    '#65a30d',
    '#475569',
    '#b45309',
  ];
  // viridis, sampled: perceptually even and readable on white
  var RAMP = ['#440154', '#3b528b', '#21918c', '#5ec962', '#c8b400'];
  // on a dark card viridis' deep purple vanishes: the same hues, lifted (app.css's legend matches)
  if (window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches)
    RAMP = ['#9b6fd6', '#5b82d6', '#21a39e', '#5ec962', '#e3cf2a'];

  var app = document.getElementById('app');
  var renderToken = 0;
  /** runId -> runName, kept while moving between pages of the runs table. */
  var selected = new Map();
  var lastRunsHash = '#/runs';
  var columnPickerOpen = false;

  // ---------- DOM helpers ----------

  function h(tag, props) {
    var el = document.createElement(tag);
    applyProps(el, props);
    appendChildren(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }

  function s(tag, attrs) {
    var el = document.createElementNS(SVG_NS, tag);
    applyProps(el, attrs);
    appendChildren(el, Array.prototype.slice.call(arguments, 2));
    return el;
  }

  function applyProps(el, props) {
    if (!props) return;
    Object.keys(props).forEach(function (k) {
      var v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') el.textContent = String(v);
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else if (k === 'checked' || k === 'disabled' || k === 'value' || k === 'open') el[k] = v;
      else el.setAttribute(k === 'className' ? 'class' : k, v === true ? '' : String(v));
    });
  }

  function appendChildren(el, children) {
    children.forEach(function (c) {
      if (c === undefined || c === null || c === false) return;
      if (Array.isArray(c)) appendChildren(el, c);
      else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
    });
  }

  function show() {
    app.replaceChildren.apply(app, Array.prototype.slice.call(arguments));
  }

  // ---------- formatting ----------

  function fmtNum(v) {
    // NaN metrics arrive as JSON null
    if (v === null) return 'NaN';
    if (typeof v !== 'number' || !isFinite(v)) return String(v);
    if (Number.isInteger(v)) return String(v);
    var a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(3);
    return String(Number(v.toFixed(4)));
  }

  function pad(n) {
    return n < 10 ? '0' + n : String(n);
  }

  function fmtTime(ms) {
    if (ms === null || ms === undefined) return '—';
    var d = new Date(ms);
    return (
      d.getFullYear() +
      '-' +
      pad(d.getMonth() + 1) +
      '-' +
      pad(d.getDate()) +
      ' ' +
      pad(d.getHours()) +
      ':' +
      pad(d.getMinutes()) +
      ':' +
      pad(d.getSeconds())
    );
  }

  function fmtDuration(start, end) {
    if (end === null || end === undefined) return '—';
    var sec = (end - start) / 1000;
    if (sec < 60) return (sec < 10 ? sec.toFixed(1) : Math.round(sec)) + ' s';
    var min = Math.floor(sec / 60);
    if (min < 60) return min + ' min ' + Math.round(sec - min * 60) + ' s';
    return Math.floor(min / 60) + ' h ' + (min % 60) + ' min';
  }

  function fmtBytes(n) {
    if (n < 1024) return n + ' B';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
    return (n / 1024 / 1024).toFixed(1) + ' MiB';
  }

  // A stale run is KILLED for a read-only store: its process is gone, the database still says RUNNING.
  function badge(info) {
    var status = String(info.status);
    return h('span', {
      className: 'badge badge-' + status.toLowerCase(),
      text: info.stale ? status + ' (stale)' : status,
      title: info.stale ? info.error : undefined,
    });
  }

  function shortId(id) {
    return String(id).slice(0, 8);
  }

  // ---------- API + routing ----------

  function api(url) {
    return fetch(url, { headers: { Accept: 'application/json' } }).then(function (res) {
      return res.json().then(
        function (body) {
          if (!res.ok)
            throw Object.assign(new Error(body.error || body.message || 'HTTP ' + res.status), {
              status: res.status,
              column: body.column,
            });
          return body;
        },
        function () {
          throw Object.assign(new Error('HTTP ' + res.status + ' from ' + url), { status: res.status });
        },
      );
    });
  }

  /** Whether this server takes edits from the page (writable, loopback, no tokens); fetched once. */
  var settingsPromise = null;
  function settings() {
    if (!settingsPromise)
      settingsPromise = api('/api/settings').catch(function () {
        return { editable: false };
      });
    return settingsPromise;
  }

  /** Every write goes through the server's MLflow REST API, under its auth rules. */
  function mlflowPost(endpoint, body) {
    return fetch('/api/2.0/mlflow/' + endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (res) {
      return res.json().then(
        function (b) {
          if (!res.ok) throw new Error(b.message || 'HTTP ' + res.status);
          return b;
        },
        function () {
          throw new Error('HTTP ' + res.status + ' from ' + endpoint);
        },
      );
    });
  }

  function metricHistory(runId, key) {
    var q = new URLSearchParams();
    q.set('run_id', runId);
    q.set('metric_key', key);
    return api('/api/2.0/mlflow/metrics/get-history?' + q.toString()).then(function (b) {
      return (b.metrics || []).map(function (m) {
        return { step: Number(m.step), value: typeof m.value === 'number' ? m.value : Number(m.value) };
      });
    });
  }

  function parseHash() {
    var raw = location.hash.replace(/^#/, '') || '/';
    var q = raw.indexOf('?');
    return {
      path: q < 0 ? raw : raw.slice(0, q),
      params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
    };
  }

  function hashFor(path, params) {
    var qs = params ? params.toString() : '';
    return '#' + path + (qs ? '?' + qs : '');
  }

  function runHref(runId) {
    return '#/run/' + encodeURIComponent(runId);
  }

  function artifactHref(runId, path, inline) {
    var p = path.split('/').map(encodeURIComponent).join('/');
    return '/api/runs/' + encodeURIComponent(runId) + '/artifacts/' + p + (inline ? '?inline=1' : '');
  }

  function route() {
    var r = parseHash();
    var token = ++renderToken;
    var hash = location.hash || '#/';
    app.removeAttribute('data-ready');
    var page;
    if (r.path === '/' || r.path === '') page = renderExperiments(token);
    else if (r.path === '/runs') page = renderRuns(token, r.params);
    else if (r.path.indexOf('/run/') === 0) page = renderRun(token, decodeURIComponent(r.path.slice(5)));
    else if (r.path === '/compare') page = renderCompare(token, r.params);
    else page = Promise.resolve(show(errorBox('No page at ' + r.path + '.')));
    page
      .catch(function (err) {
        if (token === renderToken) show(errorBox(err.message));
      })
      .then(function () {
        // data-ready names the view on screen, so tests and scripts can wait for it
        if (token !== renderToken) return;
        app.classList.remove('busy');
        app.setAttribute('data-ready', hash);
      });
  }

  function errorBox(message) {
    return h(
      'div',
      { className: 'error-box', role: 'alert' },
      h('strong', { text: 'Something went wrong. ' }),
      message,
    );
  }

  function loading(what) {
    show(h('p', { className: 'muted loading', text: 'Loading ' + what + '…' }));
  }

  // ---------- experiments ----------

  function renderExperiments(token) {
    loading('experiments');
    return api('/api/experiments').then(function (body) {
      if (token !== renderToken) return;
      var exps = body.experiments;
      var total = exps.reduce(function (n, e) {
        return n + e.runCount;
      }, 0);
      var rows = exps.map(function (e) {
        var q = new URLSearchParams();
        q.append('experiment', e.name);
        return h(
          'tr',
          null,
          h('td', null, h('a', { href: hashFor('/runs', q), className: 'exp-link', text: e.name })),
          h('td', { className: 'num', text: e.runCount }),
          h('td', { className: 'muted', text: fmtTime(e.createdAt) }),
        );
      });
      show(
        h(
          'div',
          { className: 'page-head' },
          h('h1', { text: 'Experiments' }),
          h('p', { className: 'muted', text: exps.length + ' experiments · ' + total + ' runs' }),
        ),
        exps.length === 0
          ? h('div', { className: 'empty', text: 'No experiments yet. Run a pipeline target to log one.' })
          : h(
              'div',
              { className: 'card' },
              h(
                'table',
                { className: 'grid', id: 'experiments-table' },
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    h('th', { text: 'Name' }),
                    h('th', { className: 'num', text: 'Runs' }),
                    h('th', { text: 'Created' }),
                  ),
                ),
                h('tbody', null, rows),
              ),
            ),
      );
    });
  }

  // ---------- runs table ----------

  function quoteKey(key) {
    return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(key) ? key : '`' + key.replace(/`/g, '``') + '`';
  }

  function columnId(kind, key) {
    return kind + '.' + key;
  }

  function defaultColumns(data) {
    var cols = data.metricKeys.map(function (k) {
      return columnId('metrics', k);
    });
    cols = cols.concat(
      data.paramKeys.map(function (k) {
        return columnId('params', k);
      }),
    );
    cols = cols.concat(
      data.tagKeys
        .filter(function (k) {
          return k.indexOf('.') < 0;
        })
        .map(function (k) {
          return columnId('tags', k);
        }),
    );
    return cols.slice(0, 14);
  }

  function cellValue(run, col) {
    var dot = col.indexOf('.');
    var kind = col.slice(0, dot);
    var key = col.slice(dot + 1);
    var v = run[kind] ? run[kind][key] : undefined;
    return v;
  }

  var ATTRIBUTE_SORT = {
    name: 'attributes.run_name',
    status: 'attributes.status',
    start: 'attributes.start_time',
  };

  function orderKeyFor(col) {
    if (ATTRIBUTE_SORT[col]) return ATTRIBUTE_SORT[col];
    var dot = col.indexOf('.');
    return col.slice(0, dot) + '.' + quoteKey(col.slice(dot + 1));
  }

  function parseOrder(order) {
    var m = /^(.*?)\s+(ASC|DESC)$/i.exec(order || '');
    return m ? { key: m[1], dir: m[2].toUpperCase() } : order ? { key: order, dir: 'ASC' } : null;
  }

  function renderRuns(token, params) {
    var state = {
      experiments: params.getAll('experiment').filter(Boolean),
      filter: params.get('filter') || '',
      order: params.get('order_by') || '',
      page: Math.max(1, parseInt(params.get('page') || '1', 10) || 1),
      cols: params.has('col') ? params.getAll('col').filter(Boolean) : null,
      lifecycle: params.get('lifecycle') === 'deleted' ? 'deleted' : '',
      view: params.get('view') === 'chart' ? 'chart' : '',
    };
    lastRunsHash = location.hash || '#/runs';

    function go(changes) {
      var next = Object.assign({}, state, changes);
      var q = new URLSearchParams();
      next.experiments.forEach(function (e) {
        q.append('experiment', e);
      });
      if (next.filter) q.set('filter', next.filter);
      if (next.order) q.set('order_by', next.order);
      if (next.page > 1) q.set('page', String(next.page));
      if (next.lifecycle) q.set('lifecycle', next.lifecycle);
      if (next.view) q.set('view', next.view);
      if (next.cols) {
        if (next.cols.length === 0) q.append('col', '');
        next.cols.forEach(function (c) {
          q.append('col', c);
        });
      }
      location.hash = hashFor('/runs', q);
    }

    var q = new URLSearchParams();
    state.experiments.forEach(function (e) {
      q.append('experiment', e);
    });
    if (state.filter) q.set('filter', state.filter);
    if (state.order) q.append('order_by', state.order);
    if (state.lifecycle) q.set('lifecycle', state.lifecycle);
    q.set('offset', String((state.page - 1) * PAGE_SIZE));
    q.set('limit', String(PAGE_SIZE));

    if (!app.querySelector('#runs-table')) loading('runs');
    else app.classList.add('busy');
    return api('/api/runs?' + q.toString()).then(
      function (data) {
        if (token === renderToken) return drawRuns(state, data, null, go);
      },
      function (err) {
        if (token !== renderToken) return;
        if (err.status === 400) drawRuns(state, null, err, go);
        else throw err;
      },
    );
  }

  function drawRuns(state, data, error, go) {
    app.classList.remove('busy');
    var hadFocus = document.activeElement && document.activeElement.id === 'filter-input';
    var title =
      state.experiments.length === 1
        ? state.experiments[0]
        : state.experiments.length > 1
          ? state.experiments.join(', ')
          : 'All runs';
    if (state.lifecycle === 'deleted') title = 'Deleted runs · ' + title;
    var head = h(
      'div',
      { className: 'page-head' },
      h('div', { className: 'crumbs' }, h('a', { href: '#/', text: 'Experiments' }), ' / '),
      h('h1', { text: title }),
    );

    var input = h('input', {
      type: 'text',
      id: 'filter-input',
      className: 'filter-input' + (error ? ' invalid' : ''),
      value: state.filter,
      placeholder: "metrics.accuracy > 0.6 and tags.algorithm = 'logreg'",
      spellcheck: 'false',
      autocomplete: 'off',
      'aria-label': 'Filter runs',
      onkeydown: function (ev) {
        if (ev.key === 'Enter') {
          ev.preventDefault();
          go({ filter: input.value.trim(), page: 1 });
        }
      },
    });
    var filterBox = h(
      'div',
      { className: 'filter-box' },
      h(
        'div',
        { className: 'filter-row' },
        h('span', { className: 'filter-label', text: 'Filter' }),
        input,
        state.filter
          ? h('button', {
              type: 'button',
              className: 'btn subtle',
              text: 'Clear',
              onclick: function () {
                go({ filter: '', page: 1 });
              },
            })
          : null,
      ),
      error
        ? filterError(state.filter, error)
        : h('div', {
            className: 'hint',
            text: 'Press Enter to apply. Grammar: params.x, metrics.y, tags.z, attributes.status with = != < <= > >= LIKE ILIKE IN, joined by and / or and parentheses.',
          }),
    );

    if (!data) {
      show(head, filterBox);
      input.focus();
      return;
    }
    var pages = Math.max(1, Math.ceil(data.total / PAGE_SIZE));
    if (data.runs.length === 0 && state.page > pages) {
      // a stale link past the end: show the last page instead of an empty one
      var q = new URLSearchParams(location.hash.slice(location.hash.indexOf('?') + 1));
      q.set('page', String(pages));
      location.replace(hashFor('/runs', q));
      return;
    }

    var cols = state.cols || defaultColumns(data);
    var showExperiment = state.experiments.length !== 1;
    // the store's default order is newest first
    var order = parseOrder(state.order) || { key: ATTRIBUTE_SORT.start, dir: 'DESC' };

    function sortHeader(label, col, numeric) {
      var key = orderKeyFor(col);
      var active = order.key === key;
      var dir = active ? order.dir : null;
      var next = active ? (dir === 'DESC' ? 'ASC' : 'DESC') : numeric || col === 'start' ? 'DESC' : 'ASC';
      return h(
        'th',
        {
          className: 'sortable' + (numeric ? ' num' : '') + (active ? ' sorted' : ''),
          'data-col': col,
          'aria-sort': active ? (dir === 'DESC' ? 'descending' : 'ascending') : 'none',
        },
        h(
          'button',
          {
            type: 'button',
            className: 'th-btn',
            title: 'Sort by ' + key,
            onclick: function () {
              go({ order: key + ' ' + next, page: 1 });
            },
          },
          label,
          h('span', { className: 'sort-arrow', text: active ? (dir === 'DESC' ? ' ▼' : ' ▲') : '' }),
        ),
      );
    }

    var pageIds = data.runs.map(function (r) {
      return r.info.runId;
    });
    var compareBtn = h('button', { type: 'button', id: 'compare-btn', className: 'btn primary' });
    var selInfo = h('span', { className: 'muted sel-info' });
    var clearSel = h('button', { type: 'button', className: 'btn subtle', text: 'Clear selection' });
    var allBox = h('input', { type: 'checkbox', 'aria-label': 'Select all runs on this page' });

    function refreshSelection() {
      var n = selected.size;
      compareBtn.textContent = 'Compare' + (n ? ' (' + n + ')' : '');
      compareBtn.disabled = n < 2;
      selInfo.textContent = n ? n + ' selected' : 'Select two or more runs to compare';
      clearSel.hidden = n === 0;
      var onPage = pageIds.filter(function (id) {
        return selected.has(id);
      }).length;
      allBox.checked = onPage > 0 && onPage === pageIds.length;
      allBox.indeterminate = onPage > 0 && onPage < pageIds.length;
    }
    compareBtn.addEventListener('click', function () {
      var q = new URLSearchParams();
      q.set('runs', Array.from(selected.keys()).join(','));
      location.hash = hashFor('/compare', q);
    });
    clearSel.addEventListener('click', function () {
      selected.clear();
      Array.prototype.forEach.call(app.querySelectorAll('.row-check'), function (c) {
        c.checked = false;
      });
      refreshSelection();
    });
    allBox.addEventListener('change', function () {
      data.runs.forEach(function (r) {
        if (allBox.checked) selected.set(r.info.runId, r.info.runName);
        else selected.delete(r.info.runId);
      });
      Array.prototype.forEach.call(app.querySelectorAll('.row-check'), function (c) {
        c.checked = allBox.checked;
      });
      refreshSelection();
    });

    var headRow = h(
      'tr',
      null,
      h('th', { className: 'check' }, allBox),
      sortHeader('Run', 'name', false),
      sortHeader('Status', 'status', false),
      sortHeader('Started', 'start', false),
      h('th', { className: 'num', text: 'Duration' }),
      showExperiment ? h('th', { text: 'Experiment' }) : null,
      cols.map(function (c) {
        var dot = c.indexOf('.');
        var kind = c.slice(0, dot);
        return sortHeader(
          [
            h('span', { className: 'kind kind-' + kind, text: kind.slice(0, 1).toUpperCase() }),
            ' ',
            c.slice(dot + 1),
          ],
          c,
          kind === 'metrics',
        );
      }),
    );

    var rows = data.runs.map(function (run) {
      var info = run.info;
      var box = h('input', {
        type: 'checkbox',
        className: 'row-check',
        checked: selected.has(info.runId),
        'aria-label': 'Select run ' + info.runName,
        onchange: function () {
          if (box.checked) selected.set(info.runId, info.runName);
          else selected.delete(info.runId);
          refreshSelection();
        },
      });
      return h(
        'tr',
        { 'data-run-id': info.runId },
        h('td', { className: 'check' }, box),
        h(
          'td',
          { className: 'run-cell' },
          h('a', {
            href: runHref(info.runId),
            className: 'run-name',
            text: info.runName || shortId(info.runId),
          }),
          h('span', { className: 'run-id', text: shortId(info.runId) }),
        ),
        h('td', null, badge(info)),
        h('td', { className: 'muted nowrap', text: fmtTime(info.startTime) }),
        h('td', { className: 'num muted nowrap', text: fmtDuration(info.startTime, info.endTime) }),
        showExperiment ? h('td', { text: info.experimentName }) : null,
        cols.map(function (c) {
          var v = cellValue(run, c);
          var isNum = typeof v === 'number' || (v === null && c.indexOf('metrics.') === 0);
          return h('td', {
            className: isNum ? 'num' : 'val',
            'data-col': c,
            title: v === undefined ? undefined : String(v),
            text: v === undefined ? '' : isNum ? fmtNum(v) : v,
          });
        }),
      );
    });

    var pager = h(
      'div',
      { className: 'pager' },
      h('button', {
        type: 'button',
        className: 'btn',
        id: 'prev-page',
        text: '‹ Previous',
        disabled: state.page <= 1,
        onclick: function () {
          go({ page: state.page - 1 });
        },
      }),
      h('span', {
        id: 'page-info',
        text:
          'Page ' + state.page + ' of ' + pages + ' · ' + data.total + (data.total === 1 ? ' run' : ' runs'),
      }),
      h('button', {
        type: 'button',
        className: 'btn',
        id: 'next-page',
        text: 'Next ›',
        disabled: state.page >= pages,
        onclick: function () {
          go({ page: state.page + 1 });
        },
      }),
    );

    var toolbar = h(
      'div',
      { className: 'toolbar' },
      compareBtn,
      selInfo,
      clearSel,
      h('span', { className: 'spacer' }),
      h('button', {
        type: 'button',
        id: 'toggle-deleted',
        className: 'btn subtle',
        text: state.lifecycle === 'deleted' ? 'Show active runs' : 'Show deleted runs',
        onclick: function () {
          go({ lifecycle: state.lifecycle === 'deleted' ? '' : 'deleted', page: 1 });
        },
      }),
      h(
        'div',
        { className: 'seg', role: 'group', 'aria-label': 'View' },
        h('button', {
          type: 'button',
          id: 'view-table',
          className: 'btn' + (state.view ? '' : ' on'),
          text: 'Table',
          'aria-pressed': String(!state.view),
          onclick: function () {
            go({ view: '' });
          },
        }),
        h('button', {
          type: 'button',
          id: 'view-chart',
          className: 'btn' + (state.view ? ' on' : ''),
          text: 'Charts',
          'aria-pressed': String(!!state.view),
          onclick: function () {
            go({ view: 'chart' });
          },
        }),
      ),
      h('button', {
        type: 'button',
        id: 'export-csv',
        className: 'btn',
        text: 'Export CSV',
        title: 'Every run that matches the filter, with the columns shown',
        onclick: function () {
          exportCsv(state, cols);
        },
      }),
      columnPicker(data, cols, go),
    );

    var charted = state.view === 'chart' ? runsChartView(data) : null;
    show(
      head,
      filterBox,
      toolbar,
      charted
        ? charted.el
        : h(
            'div',
            { className: 'card table-wrap' },
            data.runs.length === 0
              ? h('div', {
                  className: 'empty',
                  text: state.filter
                    ? 'No runs match this filter.'
                    : state.lifecycle === 'deleted'
                      ? 'No deleted runs.'
                      : 'No runs yet.',
                })
              : h(
                  'table',
                  { className: 'grid runs', id: 'runs-table' },
                  h('thead', null, headRow),
                  h('tbody', null, rows),
                ),
          ),
      pager,
    );
    refreshSelection();
    if (hadFocus) {
      input.focus();
      input.setSelectionRange(input.value.length, input.value.length);
    }
    return charted ? charted.done : undefined;
  }

  /** Chart view of the page's runs: latest value per run as bars, and histories overlaid. */
  function runsChartView(data) {
    var runs = data.runs.filter(function (r) {
      return Object.keys(r.metrics).length > 0;
    });
    var keys = data.metricKeys.slice(0, 8);
    if (runs.length === 0 || keys.length === 0)
      return {
        el: h('div', { className: 'card empty', text: 'No metrics to chart on this page.' }),
        done: Promise.resolve(),
      };
    var overlaid = runs.slice(0, RUN_COLOURS.length);
    var charts = historyCharts(overlaid, keys);
    return {
      el: h(
        'div',
        { id: 'runs-charts' },
        section(
          'Latest value per run',
          h(
            'div',
            { className: 'bar-grid' },
            keys.map(function (k) {
              return barChart(runs, k);
            }),
          ),
          'wide',
        ),
        section(
          'Metric history' +
            (overlaid.length < runs.length ? ' (first ' + overlaid.length + ' runs of the page)' : ''),
          charts.el,
          'wide',
        ),
      ),
      done: charts.done,
    };
  }

  /** Fetches every run that matches (not just the page) and saves the shown columns as CSV. */
  function exportCsv(state, cols) {
    var all = [];
    function page(offset) {
      var q = new URLSearchParams();
      state.experiments.forEach(function (e) {
        q.append('experiment', e);
      });
      if (state.filter) q.set('filter', state.filter);
      if (state.order) q.append('order_by', state.order);
      if (state.lifecycle) q.set('lifecycle', state.lifecycle);
      q.set('offset', String(offset));
      q.set('limit', '1000');
      return api('/api/runs?' + q.toString()).then(function (d) {
        all = all.concat(d.runs);
        if (d.runs.length > 0 && all.length < d.total) return page(all.length);
      });
    }
    return page(0).then(function () {
      var name = (state.experiments.length === 1 ? state.experiments[0] : 'runs').replace(
        /[^A-Za-z0-9._-]+/g,
        '_',
      );
      download(
        name + (state.lifecycle ? '-deleted' : '') + '.csv',
        runsCsv(all, cols),
        'text/csv;charset=utf-8',
      );
    });
  }

  function filterError(filter, error) {
    var col = typeof error.column === 'number' ? error.column : null;
    return h(
      'div',
      { className: 'filter-error', id: 'filter-error', role: 'alert' },
      h('div', { text: error.message }),
      col !== null && filter
        ? h('pre', { className: 'caret', text: filter + '\n' + ' '.repeat(Math.max(0, col - 1)) + '^' })
        : null,
    );
  }

  function columnPicker(data, cols, go) {
    var chosen = new Set(cols);
    function group(title, kind, keys) {
      if (keys.length === 0) return null;
      return h(
        'fieldset',
        null,
        h('legend', { text: title }),
        keys.map(function (k) {
          var id = columnId(kind, k);
          return h(
            'label',
            { className: 'pick' },
            h('input', {
              type: 'checkbox',
              value: id,
              checked: chosen.has(id),
              onchange: function (ev) {
                if (ev.target.checked) chosen.add(id);
                else chosen.delete(id);
                var all = defaultOrderOf(data);
                go({
                  cols: all.filter(function (c) {
                    return chosen.has(c);
                  }),
                });
              },
            }),
            ' ',
            k,
          );
        }),
      );
    }
    var details = h(
      'details',
      { className: 'col-picker', open: columnPickerOpen },
      h('summary', { className: 'btn', text: 'Columns (' + cols.length + ')' }),
      h(
        'div',
        { className: 'picker-panel' },
        group('Metrics', 'metrics', data.metricKeys),
        group('Params', 'params', data.paramKeys),
        group('Tags', 'tags', data.tagKeys),
      ),
    );
    details.addEventListener('toggle', function () {
      columnPickerOpen = details.open;
    });
    return details;
  }

  function defaultOrderOf(data) {
    return data.metricKeys
      .map(function (k) {
        return columnId('metrics', k);
      })
      .concat(
        data.paramKeys.map(function (k) {
          return columnId('params', k);
        }),
        data.tagKeys.map(function (k) {
          return columnId('tags', k);
        }),
      );
  }

  // ---------- run page ----------

  function kvTable(obj, id, numeric) {
    var keys = Object.keys(obj).sort();
    if (keys.length === 0) return h('p', { className: 'muted', text: 'None' });
    return h(
      'table',
      { className: 'grid kv', id: id },
      h(
        'tbody',
        null,
        keys.map(function (k) {
          var v = obj[k];
          return h(
            'tr',
            null,
            h('th', { text: k }),
            h('td', { className: numeric ? 'num' : 'val', title: String(v), text: numeric ? fmtNum(v) : v }),
          );
        }),
      ),
    );
  }

  function section(title, body, extra) {
    return h(
      'section',
      { className: 'card section' + (extra ? ' ' + extra : '') },
      h('h2', { text: title }),
      body,
    );
  }

  function renderRun(token, id) {
    loading('run');
    return Promise.all([api('/api/runs/' + encodeURIComponent(id)), settings()]).then(
      function (got) {
        if (token !== renderToken) return;
        return drawRun(got[0], got[1].editable === true);
      },
      function (err) {
        if (token !== renderToken) return;
        if (err.status === 404) show(h('div', { className: 'empty', text: err.message }));
        else throw err;
      },
    );
  }

  /** Runs a write, then redraws the page; a refusal shows next to the control that asked. */
  function writeThen(promise, errorEl) {
    errorEl.textContent = '';
    return promise.then(
      function () {
        route();
      },
      function (err) {
        errorEl.textContent = err.message;
      },
    );
  }

  function drawRun(run, editable) {
    var info = run.info;
    var deleted = info.lifecycleStage === 'deleted';
    var canEdit = editable && !deleted;
    var expQ = new URLSearchParams();
    expQ.append('experiment', info.experimentName);
    var infoRows = [
      ['Run ID', h('code', { text: info.runId })],
      ['Experiment', h('a', { href: hashFor('/runs', expQ), text: info.experimentName })],
      ['Status', badge(info)],
      ['Started', fmtTime(info.startTime)],
      ['Ended', fmtTime(info.endTime)],
      ['Duration', fmtDuration(info.startTime, info.endTime)],
      ['Git commit', info.gitCommit ? h('code', { text: info.gitCommit }) : '—'],
      ['Config hash', info.configHash ? h('code', { text: info.configHash }) : '—'],
      ['Data MD5', info.dataMd5 ? h('code', { text: info.dataMd5 }) : '—'],
    ];
    if (info.error) infoRows.push(['Error', h('span', { className: 'error-text', text: info.error })]);
    var images = run.artifacts.filter(function (a) {
      return /\.(svg|png|jpe?g|gif|webp)$/i.test(a.path);
    });
    var previewBox = h('div', { className: 'artifact-preview', id: 'artifact-preview', hidden: true });
    var artifacts =
      run.artifacts.length === 0
        ? h('p', { className: 'muted', text: 'None' })
        : h(
            'table',
            { className: 'grid', id: 'artifacts-table' },
            h(
              'thead',
              null,
              h(
                'tr',
                null,
                h('th', { text: 'Path' }),
                h('th', { className: 'num', text: 'Size' }),
                h('th', { text: 'SHA-256' }),
                h('th', { text: '' }),
              ),
            ),
            h(
              'tbody',
              null,
              run.artifacts.map(function (a) {
                return h(
                  'tr',
                  { 'data-path': a.path },
                  h(
                    'td',
                    null,
                    h('a', {
                      href: artifactHref(info.runId, a.path, false),
                      download: a.path.split('/').pop(),
                      className: 'artifact-link',
                      text: a.path,
                    }),
                  ),
                  h('td', { className: 'num nowrap', text: fmtBytes(a.size) }),
                  h(
                    'td',
                    null,
                    h('code', { className: 'muted', title: a.sha256, text: a.sha256.slice(0, 12) + '…' }),
                  ),
                  h(
                    'td',
                    null,
                    artifactKind(a.path)
                      ? h('button', {
                          type: 'button',
                          className: 'btn subtle preview-btn',
                          text: 'Preview',
                          onclick: function () {
                            previewArtifact(info.runId, a.path, previewBox);
                          },
                        })
                      : null,
                  ),
                );
              }),
            ),
          );

    var actionError = h('span', { className: 'action-error', role: 'alert' });
    var lifecycleBtn = editable
      ? h('button', {
          type: 'button',
          id: deleted ? 'restore-run' : 'delete-run',
          className: 'btn' + (deleted ? ' primary' : ' danger'),
          text: deleted ? 'Restore' : 'Delete',
          onclick: function () {
            writeThen(
              mlflowPost(deleted ? 'runs/restore' : 'runs/delete', { run_id: info.runId }),
              actionError,
            );
          },
        })
      : null;

    var charts = historyCharts([run], Object.keys(run.metrics).sort().slice(0, 12));
    show(
      h(
        'div',
        { className: 'page-head' },
        h(
          'div',
          { className: 'crumbs' },
          h('a', { href: '#/', text: 'Experiments' }),
          ' / ',
          h('a', { href: hashFor('/runs', expQ), text: info.experimentName }),
          ' /',
        ),
        h(
          'div',
          { className: 'head-row' },
          h(
            'h1',
            null,
            info.runName || shortId(info.runId),
            ' ',
            badge(info),
            deleted
              ? h('span', { className: 'badge badge-deleted', id: 'deleted-badge', text: 'DELETED' })
              : null,
          ),
          h('span', { className: 'spacer' }),
          actionError,
          lifecycleBtn,
        ),
      ),
      h(
        'div',
        { className: 'run-grid' },
        descriptionSection(run, canEdit),
        section(
          'Info',
          h(
            'table',
            { className: 'grid kv', id: 'info-table' },
            h(
              'tbody',
              null,
              infoRows.map(function (r) {
                return h('tr', null, h('th', { text: r[0] }), h('td', null, r[1]));
              }),
            ),
          ),
        ),
        section('Metrics', kvTable(run.metrics, 'metrics-table', true)),
        section('Parameters', kvTable(run.params, 'params-table', false)),
        tagsSection(run, canEdit),
        Object.keys(run.metrics).length ? section('Metric history', charts.el, 'wide') : null,
        section('Artifacts', [artifacts, previewBox], 'wide'),
        images.length
          ? section(
              'Figures',
              h(
                'div',
                { className: 'figures' },
                images.map(function (a) {
                  return h(
                    'figure',
                    null,
                    h('img', {
                      src: artifactHref(info.runId, a.path, true),
                      alt: a.path,
                      className: 'artifact-img',
                    }),
                    h('figcaption', { text: a.path }),
                  );
                }),
              ),
              'wide',
            )
          : null,
      ),
    );
    return charts.done;
  }

  function descriptionSection(run, canEdit) {
    var note = run.tags[NOTE_TAG] || '';
    var body = h(
      'div',
      { id: 'description' },
      note ? renderMarkdown(note) : h('p', { className: 'muted', text: 'No description.' }),
    );
    var err = h('span', { className: 'action-error', role: 'alert' });
    var editBtn = canEdit
      ? h('button', {
          type: 'button',
          id: 'edit-description',
          className: 'btn subtle',
          text: note ? 'Edit' : 'Add a description',
          onclick: function () {
            var area = h('textarea', {
              id: 'description-input',
              rows: '6',
              'aria-label': 'Description (markdown)',
            });
            area.value = note;
            body.replaceChildren(
              area,
              h(
                'div',
                { className: 'form-row' },
                h('button', {
                  type: 'button',
                  id: 'save-description',
                  className: 'btn primary',
                  text: 'Save',
                  onclick: function () {
                    writeThen(
                      mlflowPost('runs/set-tag', {
                        run_id: run.info.runId,
                        key: NOTE_TAG,
                        value: area.value,
                      }),
                      err,
                    );
                  },
                }),
                h('button', { type: 'button', className: 'btn subtle', text: 'Cancel', onclick: route }),
                h('span', {
                  className: 'muted small',
                  text: 'Markdown: # headings, lists, **bold**, *italic*, `code`, [links](https://…)',
                }),
                err,
              ),
            );
            area.focus();
          },
        })
      : null;
    return h(
      'section',
      { className: 'card section wide' },
      h('div', { className: 'section-head' }, h('h2', { text: 'Description' }), editBtn),
      body,
    );
  }

  function tagsSection(run, canEdit) {
    var tags = {};
    Object.keys(run.tags).forEach(function (k) {
      if (k !== NOTE_TAG) tags[k] = run.tags[k];
    });
    var table = kvTable(tags, 'tags-table', false);
    if (!canEdit) return section('Tags', table);
    var err = h('span', { className: 'action-error', role: 'alert' });
    var keyIn = h('input', {
      type: 'text',
      id: 'tag-key',
      placeholder: 'key',
      'aria-label': 'Tag key',
      spellcheck: 'false',
    });
    var valIn = h('input', {
      type: 'text',
      id: 'tag-value',
      placeholder: 'value',
      'aria-label': 'Tag value',
      spellcheck: 'false',
    });
    Array.prototype.forEach.call(table.querySelectorAll('tr'), function (tr) {
      var key = tr.querySelector('th').textContent;
      tr.setAttribute('data-key', key);
      tr.appendChild(
        h(
          'td',
          { className: 'row-actions' },
          h('button', {
            type: 'button',
            className: 'btn subtle tag-edit',
            text: 'Edit',
            title: 'Edit tag ' + key,
            onclick: function () {
              keyIn.value = key;
              valIn.value = run.tags[key];
              valIn.focus();
            },
          }),
          h('button', {
            type: 'button',
            className: 'btn subtle tag-delete',
            text: '×',
            title: 'Delete tag ' + key,
            'aria-label': 'Delete tag ' + key,
            onclick: function () {
              writeThen(mlflowPost('runs/delete-tag', { run_id: run.info.runId, key: key }), err);
            },
          }),
        ),
      );
    });
    var form = h(
      'form',
      {
        className: 'form-row tag-form',
        id: 'tag-form',
        onsubmit: function (ev) {
          ev.preventDefault();
          var key = keyIn.value.trim();
          if (!key) {
            err.textContent = 'A tag needs a key.';
            return;
          }
          writeThen(
            mlflowPost('runs/set-tag', { run_id: run.info.runId, key: key, value: valIn.value }),
            err,
          );
        },
      },
      keyIn,
      valIn,
      h('button', { type: 'submit', id: 'set-tag', className: 'btn', text: 'Set tag' }),
      err,
    );
    return section('Tags', [table, form]);
  }

  // ---------- compare ----------

  function allKeys(runs, kind) {
    var set = new Set();
    runs.forEach(function (r) {
      Object.keys(r[kind]).forEach(function (k) {
        set.add(k);
      });
    });
    return Array.from(set).sort();
  }

  function differs(values) {
    var first = values[0];
    return values.some(function (v) {
      return v !== first;
    });
  }

  /** An axis maps a run's value to [0, 1]; numeric when every value parses as a number. */
  function makeAxis(runs, kind, key) {
    var raw = runs.map(function (r) {
      return r[kind][key];
    });
    var present = raw.filter(function (v) {
      return v !== undefined && v !== null && v !== '';
    });
    if (present.length === 0) return null;
    var nums = present.map(Number);
    var numeric = nums.every(function (n) {
      return isFinite(n);
    });
    var label = key;
    if (numeric) {
      var min = Math.min.apply(null, nums);
      var max = Math.max.apply(null, nums);
      return {
        id: kind + '.' + key,
        kind: kind,
        key: key,
        label: label,
        numeric: true,
        min: min,
        max: max,
        pos: function (v) {
          if (v === undefined || v === null || v === '' || !isFinite(Number(v))) return null;
          return max === min ? 0.5 : (Number(v) - min) / (max - min);
        },
        ticks: niceTicks(min, max, 5),
      };
    }
    var cats = Array.from(new Set(present.map(String))).sort();
    return {
      id: kind + '.' + key,
      kind: kind,
      key: key,
      label: label,
      numeric: false,
      cats: cats,
      pos: function (v) {
        var i = cats.indexOf(String(v));
        if (i < 0) return null;
        return cats.length === 1 ? 0.5 : i / (cats.length - 1);
      },
    };
  }

  function niceTicks(min, max, count) {
    if (min === max) return [min];
    var span = max - min;
    var step = Math.pow(10, Math.floor(Math.log10(span / count)));
    var err = (count * step) / span;
    if (err <= 0.15) step *= 10;
    else if (err <= 0.35) step *= 5;
    else if (err <= 0.75) step *= 2;
    var ticks = [];
    for (var t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
      ticks.push(Number(t.toPrecision(12)));
    return ticks;
  }

  function rampColour(t) {
    if (t === null || !isFinite(t)) return '#9ca3af';
    var x = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
    var i = Math.min(RAMP.length - 2, Math.floor(x));
    return mix(RAMP[i], RAMP[i + 1], x - i);
  }

  function mix(a, b, t) {
    function ch(hex, i) {
      return parseInt(hex.slice(1 + i * 2, 3 + i * 2), 16);
    }
    var out = '#';
    for (var i = 0; i < 3; i++) {
      var v = Math.round(ch(a, i) + (ch(b, i) - ch(a, i)) * t);
      out += (v < 16 ? '0' : '') + v.toString(16);
    }
    return out;
  }

  function renderCompare(token, params) {
    var ids = (params.get('runs') || '').split(',').filter(Boolean);
    if (ids.length < 2) {
      show(
        h(
          'div',
          { className: 'empty' },
          'Pick at least two runs in the ',
          h('a', { href: lastRunsHash, text: 'runs table' }),
          ' to compare them.',
        ),
      );
      return Promise.resolve();
    }
    loading(ids.length + ' runs');
    return Promise.all(
      ids.map(function (id) {
        return api('/api/runs/' + encodeURIComponent(id));
      }),
    ).then(function (runs) {
      if (token !== renderToken) return;
      return drawCompare(runs, params);
    });
  }

  function drawCompare(runs, params) {
    var paramKeys = allKeys(runs, 'params');
    var metricKeys = allKeys(runs, 'metrics');
    var onlyDiff = params.get('diff') === '1';

    function setParam(k, v) {
      var q = new URLSearchParams(params.toString());
      if (v === null) q.delete(k);
      else q.set(k, v);
      // replace: chart tweaks should not fill the back button's history
      location.replace(hashFor('/compare', q));
    }

    var headRow = h(
      'tr',
      null,
      h('th', { className: 'corner', text: '' }),
      runs.map(function (r, i) {
        return h(
          'th',
          { className: 'run-col' },
          h('span', { className: 'dot dot-' + (i % RUN_COLOURS.length) }),
          h('a', {
            href: runHref(r.info.runId),
            className: 'run-name',
            text: r.info.runName || shortId(r.info.runId),
          }),
          h('div', { className: 'run-id', text: shortId(r.info.runId) + ' · ' + r.info.experimentName }),
        );
      }),
    );

    function rows(kind, keys, numeric) {
      return keys
        .map(function (k) {
          var values = runs.map(function (r) {
            return r[kind][k];
          });
          var diff = differs(values);
          if (onlyDiff && !diff) return null;
          return h(
            'tr',
            { className: diff ? 'diff' : '', 'data-key': kind + '.' + k },
            h('th', { text: k }),
            values.map(function (v) {
              return h('td', {
                className: numeric ? 'num' : 'val',
                title: v === undefined ? 'not logged' : String(v),
                text: v === undefined ? '—' : numeric ? fmtNum(v) : v,
              });
            }),
          );
        })
        .filter(Boolean);
    }

    function groupRow(title) {
      return h('tr', { className: 'group' }, h('th', { colspan: String(runs.length + 1), text: title }));
    }

    var statusRow = h(
      'tr',
      null,
      h('th', { text: 'Status' }),
      runs.map(function (r) {
        return h('td', null, badge(r.info));
      }),
    );

    var table = h(
      'table',
      { className: 'grid compare', id: 'compare-table' },
      h('thead', null, headRow),
      h(
        'tbody',
        null,
        statusRow,
        groupRow('Parameters'),
        rows('params', paramKeys, false),
        groupRow('Metrics'),
        rows('metrics', metricKeys, true),
      ),
    );

    var diffToggle = h(
      'label',
      { className: 'pick' },
      h('input', {
        type: 'checkbox',
        id: 'only-diff',
        checked: onlyDiff,
        onchange: function (ev) {
          setParam('diff', ev.target.checked ? '1' : null);
        },
      }),
      ' Only rows that differ',
    );

    // parallel coordinates
    var axes = paramKeys
      .map(function (k) {
        return makeAxis(runs, 'params', k);
      })
      .concat(
        metricKeys.map(function (k) {
          return makeAxis(runs, 'metrics', k);
        }),
      )
      .filter(Boolean);
    var colourKey =
      params.get('colour') || (metricKeys.indexOf('accuracy') >= 0 ? 'accuracy' : metricKeys[0]);
    // Default: up to five params that vary (fewest gaps first), then the colour metric as the last axis.
    var varying = axes
      .filter(function (a) {
        return (
          a.kind === 'params' &&
          differs(
            runs.map(function (r) {
              return r.params[a.key];
            }),
          )
        );
      })
      .map(function (a, i) {
        var missing = runs.filter(function (r) {
          return r.params[a.key] === undefined;
        }).length;
        return { id: a.id, missing: missing, i: i };
      })
      .sort(function (a, b) {
        return a.missing - b.missing || a.i - b.i;
      })
      .slice(0, PC_DEFAULT_PARAMS)
      .map(function (a) {
        return a.id;
      });
    var chosenAxes = params.has('axis')
      ? params.getAll('axis')
      : axes
          .filter(function (a) {
            return varying.indexOf(a.id) >= 0 || (a.kind === 'metrics' && a.key === colourKey);
          })
          .map(function (a) {
            return a.id;
          });

    var axisPicker = h(
      'div',
      { className: 'axis-picker' },
      h('span', { className: 'muted', text: 'Axes: ' }),
      axes.map(function (a) {
        return h(
          'label',
          { className: 'pick chip' },
          h('input', {
            type: 'checkbox',
            checked: chosenAxes.indexOf(a.id) >= 0,
            onchange: function (ev) {
              var next = axes
                .map(function (x) {
                  return x.id;
                })
                .filter(function (id) {
                  return id === a.id ? ev.target.checked : chosenAxes.indexOf(id) >= 0;
                });
              var q = new URLSearchParams(params.toString());
              q.delete('axis');
              if (next.length === 0) q.append('axis', '');
              next.forEach(function (id) {
                q.append('axis', id);
              });
              location.replace(hashFor('/compare', q));
            },
          }),
          ' ',
          h('span', { className: 'kind kind-' + a.kind, text: a.kind.slice(0, 1).toUpperCase() }),
          ' ',
          a.key,
        );
      }),
    );
    // A <select> over keys that writes its choice to the URL parameter `param`.
    function keySelect(id, param, keys, value) {
      var select = h(
        'select',
        {
          id: id,
          onchange: function (ev) {
            setParam(param, ev.target.value);
          },
        },
        keys.map(function (k) {
          return h('option', { value: k, text: k });
        }),
      );
      select.value = value || '';
      return select;
    }
    var colourSelect = keySelect('colour-select', 'colour', metricKeys, colourKey);

    var pc = parallelCoordinates(
      runs,
      axes.filter(function (a) {
        return chosenAxes.indexOf(a.id) >= 0;
      }),
      colourKey,
    );

    var charts = historyCharts(runs, metricKeys.slice(0, 12));

    // scatter
    var xKey = params.get('x') || defaultScatterX(runs, paramKeys);
    var yKey = params.get('y') || colourKey;
    var xSelect = keySelect('x-select', 'x', paramKeys, xKey);
    var ySelect = keySelect('y-select', 'y', metricKeys, yKey);

    show(
      h(
        'div',
        { className: 'page-head' },
        h(
          'div',
          { className: 'crumbs' },
          h('a', { href: '#/', text: 'Experiments' }),
          ' / ',
          h('a', { href: lastRunsHash, text: 'Runs' }),
          ' /',
        ),
        h('h1', { text: 'Comparing ' + runs.length + ' runs' }),
      ),
      section(
        'Parameters and metrics',
        [
          h(
            'div',
            { className: 'section-tools' },
            diffToggle,
            h('span', { className: 'legend-diff', text: 'highlighted rows differ' }),
          ),
          h('div', { className: 'table-wrap' }, table),
        ],
        'wide',
      ),
      section(
        'Parallel coordinates',
        [
          h('div', { className: 'section-tools' }, h('label', null, 'Colour by ', colourSelect)),
          axisPicker,
          pc,
        ],
        'wide',
      ),
      section(
        'Scatter',
        [
          h(
            'div',
            { className: 'section-tools' },
            h('label', null, 'x (param) ', xSelect),
            h('label', null, 'y (metric) ', ySelect),
          ),
          xKey && yKey
            ? scatter(runs, xKey, yKey)
            : h('p', { className: 'muted', text: 'Needs at least one param and one metric.' }),
        ],
        'wide',
      ),
      metricKeys.length ? section('Metric history', charts.el, 'wide') : null,
    );
    return charts.done;
  }

  /** Prefer a param every run has and that varies, numeric first: it spreads the points out. */
  function defaultScatterX(runs, keys) {
    var shared = keys.filter(function (k) {
      var vals = runs.map(function (r) {
        return r.params[k];
      });
      return vals.indexOf(undefined) < 0 && differs(vals);
    });
    var numeric = shared.filter(function (k) {
      var a = makeAxis(runs, 'params', k);
      return a && a.numeric;
    });
    return numeric[0] || shared[0] || keys[0];
  }

  function parallelCoordinates(runs, axes, colourKey) {
    if (axes.length === 0) return h('p', { className: 'muted', text: 'Choose at least one axis.' });
    // use the card's width, but keep axes from drifting too far apart to read across
    var W = Math.max(560, Math.min(app.clientWidth - 70, axes.length * 220));
    var H = 340;
    var top = 48;
    var bottom = 36;
    var left = 70;
    var right = 70;
    var innerH = H - top - bottom;
    function xAt(i) {
      return axes.length === 1 ? W / 2 : left + (i * (W - left - right)) / (axes.length - 1);
    }
    function yAt(p) {
      return top + (1 - p) * innerH;
    }
    var colourVals = runs
      .map(function (r) {
        return r.metrics[colourKey];
      })
      .filter(function (v) {
        return typeof v === 'number';
      });
    var cMin = Math.min.apply(null, colourVals);
    var cMax = Math.max.apply(null, colourVals);
    function colourOf(run) {
      var v = run.metrics[colourKey];
      if (typeof v !== 'number') return rampColour(null);
      return rampColour(cMax === cMin ? 0.5 : (v - cMin) / (cMax - cMin));
    }

    var axisEls = axes.map(function (a, i) {
      var x = xAt(i);
      var ticks = a.numeric
        ? a.ticks.map(function (t) {
            return { p: a.pos(t), label: fmtNum(t) };
          })
        : a.cats.map(function (c) {
            return { p: a.pos(c), label: c };
          });
      return s(
        'g',
        { class: 'pc-axis' },
        s('line', { x1: x, x2: x, y1: top, y2: top + innerH, class: 'axis-line' }),
        s('text', { x: x, y: top - 22, 'text-anchor': 'middle', class: 'axis-title' }, a.key),
        s(
          'text',
          { x: x, y: top - 9, 'text-anchor': 'middle', class: 'axis-kind' },
          a.kind === 'metrics' ? 'metric' : 'param',
        ),
        ticks.map(function (t) {
          var y = yAt(t.p);
          return s(
            'g',
            null,
            s('line', { x1: x - 4, x2: x, y1: y, y2: y, class: 'tick' }),
            s('text', { x: x - 7, y: y + 4, 'text-anchor': 'end', class: 'tick-label' }, t.label),
          );
        }),
      );
    });

    var lines = runs.map(function (run) {
      var pts = [];
      axes.forEach(function (a, i) {
        var p = a.pos(run[a.kind][a.key]);
        if (p !== null) pts.push(xAt(i).toFixed(1) + ',' + yAt(p).toFixed(1));
      });
      var v = run.metrics[colourKey];
      return s(
        'polyline',
        { points: pts.join(' '), class: 'pc-line', stroke: colourOf(run), 'data-run-id': run.info.runId },
        s(
          'title',
          null,
          (run.info.runName || shortId(run.info.runId)) +
            (typeof v === 'number' ? ' · ' + colourKey + ' = ' + fmtNum(v) : ''),
        ),
      );
    });

    var svg = s(
      'svg',
      {
        id: 'parallel-coords',
        class: 'chart',
        viewBox: '0 0 ' + W + ' ' + H,
        width: W,
        height: H,
        role: 'img',
        'aria-label': 'Parallel coordinates of ' + runs.length + ' runs',
      },
      axisEls,
      s('g', { class: 'pc-lines' }, lines),
    );
    var legend = colourVals.length
      ? h(
          'div',
          { className: 'ramp-legend' },
          h('span', { text: colourKey + ' ' }),
          h('span', { text: fmtNum(cMin) }),
          h('span', { className: 'ramp-bar' }),
          h('span', { text: fmtNum(cMax) }),
        )
      : null;
    return h('div', { className: 'chart-wrap' }, svg, legend);
  }

  function scatter(runs, xKey, yKey) {
    var xAxis = makeAxis(runs, 'params', xKey);
    var yAxis = makeAxis(runs, 'metrics', yKey);
    if (!xAxis || !yAxis) return h('p', { className: 'muted', text: 'No values to plot.' });
    var W = 640;
    var H = 360;
    var m = { top: 20, right: 30, bottom: 50, left: 70 };
    var iw = W - m.left - m.right;
    var ih = H - m.top - m.bottom;
    // pad the range so points do not sit on the frame
    function px(p) {
      return m.left + (0.06 + 0.88 * p) * iw;
    }
    function py(p) {
      return m.top + (1 - (0.06 + 0.88 * p)) * ih;
    }
    var xTicks = xAxis.numeric
      ? xAxis.ticks.map(function (t) {
          return { p: xAxis.pos(t), label: fmtNum(t) };
        })
      : xAxis.cats.map(function (c) {
          return { p: xAxis.pos(c), label: c };
        });
    var yTicks = yAxis.ticks.map(function (t) {
      return { p: yAxis.pos(t), label: fmtNum(t) };
    });
    var pts = runs
      .map(function (run, i) {
        var xp = xAxis.pos(run.params[xKey]);
        var yp = yAxis.pos(run.metrics[yKey]);
        if (xp === null || yp === null) return null;
        return { run: run, i: i, x: px(xp), y: py(yp), text: run.info.runName || shortId(run.info.runId) };
      })
      .filter(Boolean);
    var spots = placeLabels(pts, { x: m.left, y: m.top, w: iw, h: ih });
    var points = pts.map(function (p, j) {
      var run = p.run;
      var spot = spots[j];
      return s(
        'g',
        { class: 'pt' },
        s(
          'circle',
          { cx: p.x, cy: p.y, r: 6, fill: RUN_COLOURS[p.i % RUN_COLOURS.length] },
          s(
            'title',
            null,
            p.text + ': ' + xKey + ' = ' + run.params[xKey] + ', ' + yKey + ' = ' + fmtNum(run.metrics[yKey]),
          ),
        ),
        spot
          ? s('text', { x: spot.tx, y: spot.ty, 'text-anchor': spot.anchor, class: 'pt-label' }, p.text)
          : null,
      );
    });
    var plotted = points.filter(Boolean).length;
    return h(
      'div',
      { className: 'chart-wrap' },
      plotted < runs.length
        ? h('p', {
            className: 'muted note',
            text: plotted + ' of ' + runs.length + ' runs have both ' + xKey + ' and ' + yKey + '.',
          })
        : null,
      s(
        'svg',
        {
          id: 'scatter',
          class: 'chart',
          viewBox: '0 0 ' + W + ' ' + H,
          width: W,
          height: H,
          role: 'img',
          'aria-label': yKey + ' against ' + xKey,
        },
        s('rect', { x: m.left, y: m.top, width: iw, height: ih, class: 'frame' }),
        yTicks.map(function (t) {
          return s(
            'g',
            null,
            s('line', { x1: m.left, x2: m.left + iw, y1: py(t.p), y2: py(t.p), class: 'gridline' }),
            s('text', { x: m.left - 8, y: py(t.p) + 4, 'text-anchor': 'end', class: 'tick-label' }, t.label),
          );
        }),
        xTicks.map(function (t) {
          return s(
            'g',
            null,
            s('line', { x1: px(t.p), x2: px(t.p), y1: m.top, y2: m.top + ih, class: 'gridline' }),
            s(
              'text',
              { x: px(t.p), y: m.top + ih + 18, 'text-anchor': 'middle', class: 'tick-label' },
              t.label,
            ),
          );
        }),
        s('text', { x: m.left + iw / 2, y: H - 10, 'text-anchor': 'middle', class: 'axis-title' }, xKey),
        s(
          'text',
          {
            x: 16,
            y: m.top + ih / 2,
            'text-anchor': 'middle',
            class: 'axis-title',
            transform: 'rotate(-90 16 ' + (m.top + ih / 2) + ')',
          },
          yKey,
        ),
        points,
      ),
    );
  }

  // ---------- description markdown ----------
  // A small subset written by hand (headings, paragraphs, lists, code, emphasis, links) that builds
  // DOM nodes with textContent: no HTML string is ever parsed, so nothing in a note can run. A full
  // renderer plus a sanitizer (marked + DOMPurify) would be 60 KB more for notes of a few lines.
  function renderMarkdown(text) {
    var root = h('div', { className: 'markdown' });
    var lines = String(text).replace(/\r\n?/g, '\n').split('\n');
    var i = 0;
    while (i < lines.length) {
      var line = lines[i];
      if (/^```/.test(line)) {
        var code = [];
        i++;
        while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
        i++;
        root.appendChild(h('pre', null, h('code', { text: code.join('\n') })));
        continue;
      }
      var head = /^(#{1,4})\s+(.*)$/.exec(line);
      if (head) {
        root.appendChild(h('h' + (head[1].length + 2), null, inlineMarkdown(head[2])));
        i++;
        continue;
      }
      if (/^\s*([-*]|\d+\.)\s+/.test(line)) {
        var ordered = /^\s*\d+\./.test(line);
        var list = h(ordered ? 'ol' : 'ul');
        while (i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i])) {
          list.appendChild(h('li', null, inlineMarkdown(lines[i].replace(/^\s*([-*]|\d+\.)\s+/, ''))));
          i++;
        }
        root.appendChild(list);
        continue;
      }
      if (line.trim() === '') {
        i++;
        continue;
      }
      var para = [];
      while (
        i < lines.length &&
        lines[i].trim() !== '' &&
        !/^(```|#{1,4}\s|\s*([-*]|\d+\.)\s)/.test(lines[i])
      )
        para.push(lines[i++]);
      root.appendChild(h('p', null, inlineMarkdown(para.join(' '))));
    }
    return root;
  }

  /** `code`, **bold**, *italic*, [text](http(s) url); anything else stays literal text. */
  function inlineMarkdown(text) {
    var out = [];
    var re = /`([^`]+)`|\*\*([^*]+)\*\*|\*([^*]+)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      if (m.index > last) out.push(text.slice(last, m.index));
      if (m[1] !== undefined) out.push(h('code', { text: m[1] }));
      else if (m[2] !== undefined) out.push(h('strong', { text: m[2] }));
      else if (m[3] !== undefined) out.push(h('em', { text: m[3] }));
      else if (/^https?:\/\//i.test(m[5]))
        out.push(h('a', { href: m[5], text: m[4], rel: 'noopener noreferrer nofollow', target: '_blank' }));
      else out.push(m[0]);
      last = re.lastIndex;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  // ---------- metric history charts (uPlot, served from node_modules) ----------

  function cssVar(name, fallback) {
    var v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
    return v || fallback;
  }

  /**
   * One chart per metric: every run's history overlaid, x = step. Fills `box` when the histories
   * arrive; runs that logged one value draw as a single point.
   */
  function historyChart(runs, key, width) {
    var box = h('div', { className: 'history-chart', 'data-metric': key });
    box.appendChild(h('h3', { className: 'chart-title', text: key }));
    var body = h('div', { className: 'muted small', text: 'Loading history…' });
    box.appendChild(body);
    var done = Promise.all(
      runs.map(function (r) {
        return metricHistory(r.info.runId, key).catch(function () {
          return [];
        });
      }),
    ).then(function (histories) {
      var steps = new Set();
      histories.forEach(function (hs) {
        hs.forEach(function (p) {
          steps.add(p.step);
        });
      });
      var xs = Array.from(steps).sort(function (a, b) {
        return a - b;
      });
      var series = histories.map(function (hs) {
        var byStep = new Map();
        hs.forEach(function (p) {
          byStep.set(p.step, isFinite(p.value) ? p.value : null);
        });
        return xs.map(function (x) {
          return byStep.has(x) ? byStep.get(x) : null;
        });
      });
      var points = histories.reduce(function (n, hs) {
        return n + hs.length;
      }, 0);
      box.setAttribute('data-points', String(points));
      if (xs.length <= 1) {
        // one value per run is not a history: the table (or the bar view) shows it better
        box.classList.add('single-step');
        body.textContent = xs.length === 0 ? 'No values.' : 'Logged at one step only (' + xs[0] + ').';
        return;
      }
      if (typeof window.uPlot !== 'function') {
        body.textContent = 'The chart library did not load.';
        return;
      }
      var ink = cssVar('--muted', '#6b7280');
      var grid = cssVar('--line', '#e3e6eb');
      var opts = {
        width: width,
        height: 220,
        legend: { show: runs.length > 1 },
        scales: { x: { time: false } },
        axes: [
          { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, label: 'step' },
          { stroke: ink, grid: { stroke: grid }, ticks: { stroke: grid }, size: 60 },
        ],
        series: [{ label: 'step' }].concat(
          runs.map(function (r, i) {
            var c = RUN_COLOURS[i % RUN_COLOURS.length];
            return {
              label: r.info.runName || shortId(r.info.runId),
              stroke: c,
              width: 2,
              spanGaps: true,
              value: function (u, v) {
                return v === null || v === undefined ? '—' : fmtNum(v);
              },
              points: { show: xs.length < 40, size: 5, fill: c },
            };
          }),
        ),
      };
      var holder = h('div', { className: 'uplot-holder' });
      body.replaceWith(holder);
      new window.uPlot(opts, [xs].concat(series), holder);
    });
    return { el: box, done: done };
  }

  /** A section of history charts, one per metric key; resolves when all are drawn. */
  function historyCharts(runs, keys) {
    var width = Math.max(320, Math.min(560, Math.floor((app.clientWidth - 90) / 2)));
    var charts = keys.map(function (k) {
      return historyChart(runs, k, width);
    });
    return {
      el: h(
        'div',
        { className: 'history-grid', id: 'history-charts' },
        charts.map(function (c) {
          return c.el;
        }),
      ),
      done: Promise.all(
        charts.map(function (c) {
          return c.done;
        }),
      ),
    };
  }

  /** Latest value of a metric per run, as horizontal bars (the runs table's chart view). */
  function barChart(runs, key) {
    var rows = runs
      .map(function (r, i) {
        return { run: r, i: i, v: r.metrics[key] };
      })
      .filter(function (x) {
        return typeof x.v === 'number' && isFinite(x.v);
      });
    var box = h(
      'div',
      { className: 'bar-chart', 'data-metric': key },
      h('h3', { className: 'chart-title', text: key }),
    );
    if (rows.length === 0) {
      box.appendChild(h('p', { className: 'muted small', text: 'No run on this page logged ' + key + '.' }));
      return box;
    }
    var min = Math.min(
      0,
      Math.min.apply(
        null,
        rows.map(function (x) {
          return x.v;
        }),
      ),
    );
    var max = Math.max.apply(
      null,
      rows.map(function (x) {
        return x.v;
      }),
    );
    var span = max - min || 1;
    var W = 420;
    var labelW = 130;
    var rowH = 18;
    var H = rows.length * rowH + 6;
    box.appendChild(
      s(
        'svg',
        {
          class: 'chart',
          viewBox: '0 0 ' + W + ' ' + H,
          width: W,
          height: H,
          role: 'img',
          'aria-label': key + ' by run',
        },
        rows.map(function (x, j) {
          var y = 3 + j * rowH;
          var w = Math.max(1, ((x.v - min) / span) * (W - labelW - 70));
          var name = x.run.info.runName || shortId(x.run.info.runId);
          return s(
            'g',
            { class: 'bar', 'data-run-id': x.run.info.runId },
            s(
              'text',
              { x: labelW - 6, y: y + 12, 'text-anchor': 'end', class: 'tick-label' },
              name.length > 20 ? name.slice(0, 19) + '…' : name,
            ),
            s(
              'rect',
              {
                x: labelW,
                y: y + 2,
                width: w,
                height: rowH - 5,
                rx: 2,
                fill: RUN_COLOURS[x.i % RUN_COLOURS.length],
              },
              s('title', null, name + ': ' + fmtNum(x.v)),
            ),
            s('text', { x: labelW + w + 5, y: y + 12, class: 'tick-label' }, fmtNum(x.v)),
          );
        }),
      ),
    );
    return box;
  }

  // ---------- artifact preview ----------

  var PREVIEW_BYTES = 64 * 1024;
  var CSV_ROWS = 20;

  function artifactKind(name) {
    var ext = (/\.([A-Za-z0-9]+)$/.exec(name) || [])[1];
    ext = ext ? ext.toLowerCase() : '';
    if (ext === 'json') return 'json';
    if (ext === 'csv' || ext === 'tsv') return 'csv';
    if (['png', 'jpg', 'jpeg', 'gif', 'webp', 'svg'].indexOf(ext) >= 0) return 'image';
    if (['txt', 'log', 'md', 'yaml', 'yml', 'py', 'toml', 'ini', 'cfg'].indexOf(ext) >= 0) return 'text';
    return null;
  }

  /** Splits CSV text into rows of fields (quotes and doubled quotes handled). */
  function parseCsv(text, sep, maxRows) {
    var rows = [];
    var row = [];
    var field = '';
    var quoted = false;
    for (var i = 0; i < text.length && rows.length < maxRows; i++) {
      var c = text[i];
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === sep) {
        row.push(field);
        field = '';
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && text[i + 1] === '\n') i++;
        row.push(field);
        rows.push(row);
        row = [];
        field = '';
      } else field += c;
    }
    if ((field !== '' || row.length) && rows.length < maxRows) {
      row.push(field);
      rows.push(row);
    }
    return rows;
  }

  /** Fills `box` with a preview built from text nodes; images (SVG too) only ever go through <img>. */
  function previewArtifact(runId, path, box) {
    var kind = artifactKind(path);
    box.replaceChildren(h('p', { className: 'muted small', text: 'Loading ' + path + '…' }));
    box.hidden = false;
    if (kind === 'image') {
      // An SVG in <img> is a static picture: its scripts and event handlers never run.
      box.replaceChildren(
        h('img', { src: artifactHref(runId, path, true), alt: path, className: 'preview-img' }),
        h('div', { className: 'muted small', text: path }),
      );
      return Promise.resolve();
    }
    return fetch(artifactHref(runId, path, false))
      .then(function (res) {
        if (!res.ok) throw new Error('HTTP ' + res.status + ' for ' + path);
        return res.text();
      })
      .then(function (text) {
        var cut = text.length > PREVIEW_BYTES;
        if (cut) text = text.slice(0, PREVIEW_BYTES);
        var note = cut
          ? h('div', { className: 'muted small', text: 'First ' + fmtBytes(PREVIEW_BYTES) + ' shown.' })
          : null;
        if (kind === 'json' && !cut) {
          var pretty;
          try {
            pretty = JSON.stringify(JSON.parse(text), null, 2);
          } catch {
            pretty = text;
          }
          box.replaceChildren(h('pre', { className: 'preview-text', 'data-kind': 'json', text: pretty }));
        } else if (kind === 'csv') {
          var rows = parseCsv(text, /\.tsv$/i.test(path) ? '\t' : ',', CSV_ROWS + 1);
          box.replaceChildren(
            h(
              'div',
              { className: 'table-wrap' },
              h(
                'table',
                { className: 'grid preview-csv' },
                h(
                  'thead',
                  null,
                  h(
                    'tr',
                    null,
                    (rows[0] || []).map(function (c) {
                      return h('th', { text: c });
                    }),
                  ),
                ),
                h(
                  'tbody',
                  null,
                  rows.slice(1).map(function (r) {
                    return h(
                      'tr',
                      null,
                      r.map(function (c) {
                        return h('td', { text: c });
                      }),
                    );
                  }),
                ),
              ),
            ),
            h('div', {
              className: 'muted small',
              text: 'Header and first ' + Math.max(0, rows.length - 1) + ' rows.',
            }),
          );
        } else {
          box.replaceChildren(
            h('pre', { className: 'preview-text', 'data-kind': kind || 'text', text: text }),
            note,
          );
        }
      })
      .catch(function (err) {
        box.replaceChildren(errorBox(err.message));
      });
  }

  // ---------- CSV export ----------

  /** One CSV field; text that a spreadsheet would run as a formula gets a leading quote. */
  function csvField(v) {
    if (v === undefined) return '';
    if (v === null) return 'NaN';
    var t = String(v);
    if (typeof v !== 'number' && /^[=+\-@\t\r]/.test(t) && !isFinite(Number(t))) t = "'" + t;
    return /[",\n\r]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
  }

  function runsCsv(runs, cols) {
    var header = ['run_id', 'run_name', 'experiment', 'status', 'start_time', 'end_time'].concat(cols);
    var lines = [header.map(csvField).join(',')];
    runs.forEach(function (r) {
      var i = r.info;
      lines.push(
        [
          i.runId,
          i.runName,
          i.experimentName,
          i.status,
          new Date(i.startTime).toISOString(),
          i.endTime === null ? '' : new Date(i.endTime).toISOString(),
        ]
          .concat(
            cols.map(function (c) {
              return cellValue(r, c);
            }),
          )
          .map(csvField)
          .join(','),
      );
    });
    return lines.join('\r\n') + '\r\n';
  }

  function download(name, text, type) {
    var url = URL.createObjectURL(new Blob([text], { type: type }));
    var a = h('a', { href: url, download: name, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 1000);
  }

  // ---------- scatter labels ----------

  /**
   * Greedy placement: each label tries right, left, above and below its point and takes the first
   * spot that overlaps no point and no label placed before it; when none is free it is left out
   * (the point's tooltip still names the run).
   */
  function placeLabels(items, bounds) {
    var placed = [];
    var CHAR_W = 6.6;
    var LH = 13;
    function hits(a, b) {
      return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
    }
    var dots = items.map(function (it) {
      return { x: it.x - 7, y: it.y - 7, w: 14, h: 14 };
    });
    return items.map(function (it) {
      var w = it.text.length * CHAR_W;
      var options = [
        { x: it.x + 9, y: it.y - LH / 2 - 1, anchor: 'start', tx: it.x + 9, ty: it.y + 4 },
        { x: it.x - 9 - w, y: it.y - LH / 2 - 1, anchor: 'end', tx: it.x - 9, ty: it.y + 4 },
        { x: it.x - w / 2, y: it.y - 10 - LH, anchor: 'middle', tx: it.x, ty: it.y - 12 },
        { x: it.x - w / 2, y: it.y + 9, anchor: 'middle', tx: it.x, ty: it.y + 20 },
      ];
      for (var k = 0; k < options.length; k++) {
        var box = { x: options[k].x, y: options[k].y, w: w, h: LH };
        if (
          box.x < bounds.x ||
          box.x + box.w > bounds.x + bounds.w ||
          box.y < bounds.y ||
          box.y + box.h > bounds.y + bounds.h
        )
          continue;
        var clash =
          placed.some(function (p) {
            return hits(p, box);
          }) ||
          dots.some(function (d) {
            return hits(d, box);
          });
        if (!clash) {
          placed.push(box);
          return options[k];
        }
      }
      return null;
    });
  }

  window.addEventListener('hashchange', route);
  route();
})();
