// HybridStore JMX dashboard: polls every node's Jolokia agent once a second and shows one card per
// HybridOrderStore MBean, plus a timeline of mode changes kept in the page. No dependencies.
// Everything read from the nodes is put into the page as text (never as HTML): a transition reason
// can be any string an operator typed.
(function () {
  'use strict';

  var PATTERN = 'org.hybridstore:type=HybridOrderStore,*';
  var REFRESH_MS = 1000;
  var TIMEOUT_MS = 900;
  var WINDOW_MS = 5 * 60 * 1000;
  var MAX_LOG = 200;
  var MODES = ['STRONG', 'DEGRADED'];

  var nodes = parseNodes();
  var stores = new Map(); // key (url + object name) -> store state, in first-seen order
  var nodeErrors = new Map(); // url -> error message, while a node answers nothing usable
  var log = []; // mode changes, oldest first
  var polls = 0;
  var started = Date.now();

  function parseNodes() {
    var params = new URLSearchParams(window.location.search);
    var raw = params.get('nodes');
    if (!raw) {
      var meta = document.querySelector('meta[name="hybridstore-default-node"]');
      raw = meta ? meta.getAttribute('content') : '';
    }
    var seen = new Set();
    return raw.split(',').map(function (s) { return s.trim(); }).filter(function (s) {
      if (!/^https?:\/\//i.test(s) || seen.has(s)) {
        return false;
      }
      seen.add(s);
      return true;
    }).map(function (s) { return s.endsWith('/') ? s : s + '/'; });
  }

  // ---------------------------------------------------------------------------------------------
  // polling

  function readNode(url) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, TIMEOUT_MS);
    // A text/plain POST is a "simple" CORS request: no preflight, one round trip per node.
    return fetch(url, {
      method: 'POST',
      body: JSON.stringify({ type: 'read', mbean: PATTERN, config: { ignoreErrors: 'true' } }),
      signal: controller.signal,
      cache: 'no-store',
      credentials: 'omit'
    }).then(function (response) {
      if (!response.ok) {
        throw new Error('HTTP ' + response.status);
      }
      return response.json();
    }).then(function (json) {
      if (json.status !== 200) {
        throw new Error(json.error || ('Jolokia status ' + json.status));
      }
      return json.value || {};
    }).finally(function () {
      clearTimeout(timer);
    });
  }

  function poll() {
    var begun = Date.now();
    Promise.all(nodes.map(function (url) {
      return readNode(url).then(function (value) {
        absorb(url, value, Date.now());
      }, function (err) {
        failed(url, err.name === 'AbortError' ? 'no answer within ' + TIMEOUT_MS + ' ms' : String(err.message || err));
      });
    })).then(function () {
      polls++;
      render();
      setTimeout(poll, Math.max(0, REFRESH_MS - (Date.now() - begun)));
    });
  }

  function absorb(url, value, now) {
    var names = Object.keys(value);
    if (names.length === 0) {
      failed(url, 'no ' + PATTERN + ' MBean on this agent');
      return;
    }
    nodeErrors.delete(url);
    names.sort().forEach(function (objectName) {
      var key = url + '\u0000' + objectName;
      var s = stores.get(key);
      if (!s) {
        s = { key: key, url: url, objectName: objectName, attrs: {}, history: [], error: null, errorSince: null };
        stores.set(key, s);
      }
      s.attrs = value[objectName] || {};
      s.lastOk = now;
      s.error = null;
      s.errorSince = null;
      observeMode(s, now);
    });
  }

  function failed(url, message) {
    var any = false;
    stores.forEach(function (s) {
      if (s.url === url) {
        any = true;
        if (!s.error) {
          s.errorSince = Date.now();
        }
        s.error = message;
      }
    });
    if (!any) {
      nodeErrors.set(url, message);
    }
  }

  function observeMode(s, now) {
    var mode = String(s.attrs.Mode || 'UNKNOWN');
    var epoch = Number(s.attrs.Epoch);
    var last = s.history[s.history.length - 1];
    if (last && last.mode === mode && last.epoch === epoch) {
      return;
    }
    var since = Date.parse(s.attrs.ModeSince);
    var at = isNaN(since) ? now : Math.min(since, now);
    if (last && at < last.at) {
      at = last.at;
    }
    var entry = { at: at, mode: mode, epoch: epoch, reason: String(s.attrs.LastTransitionReason || '') };
    s.history.push(entry);
    log.push({
      at: at, node: label(s), from: last ? last.mode : null, to: mode, epoch: epoch, reason: entry.reason,
      missed: last && epoch - last.epoch > 1 ? epoch - last.epoch - 1 : 0
    });
    if (log.length > MAX_LOG) {
      log.splice(0, log.length - MAX_LOG);
    }
    var keepFrom = now - WINDOW_MS;
    while (s.history.length > 2 && s.history[1].at < keepFrom) {
      s.history.shift();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // rendering

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    return e;
  }

  function label(s) {
    return String(s.attrs.Name || s.attrs.NodeId || s.objectName);
  }

  function modeClass(mode) {
    return MODES.indexOf(mode) >= 0 ? mode : 'UNKNOWN';
  }

  function time(ms) {
    var d = new Date(ms);
    function pad(n, w) { return String(n).padStart(w || 2, '0'); }
    return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()) + '.' + pad(d.getMilliseconds(), 3);
  }

  function duration(ms) {
    if (ms === null || ms === undefined || isNaN(ms) || ms < 0) {
      return '\u2014';
    }
    if (ms < 1000) {
      return Math.round(ms) + ' ms';
    }
    var s = ms / 1000;
    if (s < 60) {
      return s.toFixed(s < 10 ? 2 : 1) + ' s';
    }
    var m = Math.floor(s / 60);
    if (m < 60) {
      return m + ' min ' + Math.floor(s % 60) + ' s';
    }
    return Math.floor(m / 60) + ' h ' + (m % 60) + ' min';
  }

  function field(dl, name, value, cls) {
    dl.appendChild(el('dt', null, name));
    var dd = el('dd', cls || null);
    if (value instanceof Node) {
      dd.appendChild(value);
    } else {
      dd.textContent = String(value);
    }
    dl.appendChild(dd);
    return dd;
  }

  function section(title, role, content) {
    var div = el('div', 'section');
    div.dataset.role = role;
    div.appendChild(el('h3', null, title));
    div.appendChild(content);
    return div;
  }

  function etcdList(members) {
    var ul = el('ul', 'list mono');
    if (!Array.isArray(members) || members.length === 0) {
      ul.appendChild(el('li', 'warn', 'no status yet'));
      return ul;
    }
    members.forEach(function (line) {
      line = String(line);
      // "<endpoint> id=.. leader=.. term=.. index=.. [errors=[..]]" or "<endpoint> unreachable"
      var endpoint = line.split(' ')[0].replace(/^https?:\/\//, '');
      var id = /\bid=([0-9a-f]+)/.exec(line);
      var leader = /\bleader=([0-9a-f]+)/.exec(line);
      var term = /\bterm=(\d+)/.exec(line);
      var index = /\bindex=(\d+)/.exec(line);
      var errors = /\berrors=(.*)$/.exec(line);
      var text;
      var cls;
      if (/\bunreachable\b/.test(line) || !id) {
        cls = 'bad';
        text = endpoint + '  unreachable';
      } else {
        cls = errors ? 'warn' : 'ok';
        var role = !leader || leader[1] === '0' ? 'no leader' : (id[1] === leader[1] ? 'leader' : 'follower');
        text = endpoint + '  ' + role + (term ? '  term ' + term[1] : '') + (index ? '  index ' + index[1] : '') +
            (errors ? '  ' + errors[1] : '');
      }
      var li = el('li', cls, text);
      li.title = line;
      ul.appendChild(li);
    });
    return ul;
  }

  function peerList(peers) {
    var ul = el('ul', 'list mono');
    if (!Array.isArray(peers) || peers.length === 0) {
      ul.appendChild(el('li', 'warn', 'none visible'));
      return ul;
    }
    peers.forEach(function (p) {
      p = String(p);
      var m = /=([A-Z_]+)@/.exec(p);
      ul.appendChild(el('li', 'dot-' + (m ? modeClass(m[1]) : 'UNKNOWN'), p));
    });
    return ul;
  }

  function card(s, now) {
    var a = s.attrs;
    var mode = String(a.Mode || 'UNKNOWN');
    // a STRONG node still folding provisional writes into etcd (its own or peers'): amber, not a mode
    var folding = mode === 'STRONG' && Number(a.ReconcileBacklog) > 0;
    var c = el('article', 'card mode-' + modeClass(mode) + (folding ? ' folding' : '') + (s.error ? ' stale' : ''));
    c.dataset.node = label(s);
    c.dataset.mode = mode;
    c.dataset.folding = String(folding);
    c.dataset.epoch = String(a.Epoch);
    c.dataset.url = s.url;

    var head = el('div', 'card-head');
    head.appendChild(el('span', 'name', label(s)));
    var badge = el('span', 'mode', mode);
    badge.dataset.role = 'mode';
    head.appendChild(badge);
    head.appendChild(el('span', 'url', s.url));
    c.appendChild(head);

    if (s.error) {
      c.appendChild(el('div', 'error', 'unreachable since ' + time(s.errorSince) + ' (values are from ' +
          time(s.lastOk) + '): ' + s.error));
    }

    var dl = el('dl');
    field(dl, 'Epoch', a.Epoch).dataset.role = 'epoch';
    var since = Date.parse(a.ModeSince);
    field(dl, 'Since', isNaN(since) ? String(a.ModeSince) : time(since) + '  (' + duration(now - since) + ' ago)');
    field(dl, 'Reason', a.LastTransitionReason || '\u2014', 'reason').dataset.role = 'reason';
    field(dl, 'Reconcile backlog', a.ReconcileBacklog).dataset.role = 'backlog';
    field(dl, 'Last convergence', duration(Number(a.LastConvergenceMillis))).dataset.role = 'convergence';
    field(dl, 'Last reconcile', duration(Number(a.LastReconcileMillis)));
    field(dl, 'Quorum probe', (a.LastProbeOk ? 'ok' : 'FAILED') + ', ' + duration(Number(a.ProbeLatencyMillis)),
        a.LastProbeOk ? null : 'reason');
    field(dl, 'Breaker', a.BreakerState);
    field(dl, 'Mirror lag', a.MirrorLagRevisions + (Number(a.MirrorLagRevisions) === 1 ? ' revision' : ' revisions'));
    field(dl, 'Writes', a.StrongWritesTotal + ' strong, ' + a.ProvisionalWritesTotal + ' provisional, ' +
        a.FallbacksTotal + ' fallbacks');
    field(dl, 'Conflicts / skew', a.ConflictsTotal + ' conflicts, ' + a.ClockSkewRefusals + ' clock stamps refused');
    c.appendChild(dl);
    c.appendChild(section('etcd members', 'etcd', etcdList(a.EtcdMembers)));
    c.appendChild(section('Peers (by gossip)', 'peers', peerList(a.Peers)));
    return c;
  }

  function errorCard(url, message) {
    var c = el('article', 'card stale');
    c.dataset.url = url;
    c.dataset.mode = 'UNREACHABLE';
    var head = el('div', 'card-head');
    head.appendChild(el('span', 'name', url));
    head.appendChild(el('span', 'mode', 'UNREACHABLE'));
    c.appendChild(head);
    c.appendChild(el('div', 'error', message));
    return c;
  }

  function timeline(now) {
    var rows = document.getElementById('timeline-rows');
    rows.textContent = '';
    if (stores.size === 0) {
      rows.appendChild(el('p', 'empty', 'waiting for data\u2026'));
      return;
    }
    var span = Math.min(WINDOW_MS, Math.max(60 * 1000, now - started));
    var from = now - span;
    ordered().forEach(function (s) {
      var row = el('div', 'tl-row');
      row.dataset.node = label(s);
      row.appendChild(el('div', 'tl-label', label(s)));
      var bar = el('div', 'tl-bar');
      s.history.forEach(function (h, i) {
        var end = i + 1 < s.history.length ? s.history[i + 1].at : now;
        var start = Math.max(h.at, from);
        if (end <= from) {
          return;
        }
        var seg = el('div', 'tl-seg ' + modeClass(h.mode));
        seg.style.left = (100 * (start - from) / span) + '%';
        seg.style.width = Math.max(0.3, 100 * (end - start) / span) + '%';
        seg.title = h.mode + ' (epoch ' + h.epoch + ') from ' + time(h.at) + ': ' + h.reason;
        seg.dataset.mode = h.mode;
        bar.appendChild(seg);
      });
      row.appendChild(bar);
      rows.appendChild(row);
    });
    var axis = el('div', 'tl-axis');
    axis.appendChild(el('div'));
    var ticks = el('div');
    ticks.appendChild(el('span', null, time(from)));
    ticks.appendChild(el('span', null, '\u2190 ' + duration(span) + ' \u2192'));
    ticks.appendChild(el('span', null, 'now'));
    axis.appendChild(ticks);
    rows.appendChild(axis);

    var ul = document.getElementById('log');
    ul.textContent = '';
    var newestFirst = log.map(function (e, i) { return { e: e, i: i }; }).sort(function (x, y) {
      return (y.e.at - x.e.at) || (y.i - x.i);
    });
    for (var i = 0; i < newestFirst.length; i++) {
      var e = newestFirst[i].e;
      var li = el('li', 'mono');
      li.dataset.node = e.node;
      li.dataset.to = e.to;
      li.appendChild(document.createTextNode(time(e.at) + '  ' + e.node + '  ' +
          (e.from ? e.from + ' \u2192 ' : 'first seen ')));
      li.appendChild(el('span', 'to', e.to));
      li.appendChild(document.createTextNode('  epoch ' + e.epoch +
          (e.missed ? ' (' + e.missed + ' change(s) between two polls not seen)' : '') +
          (e.reason ? '  \u2014 ' + e.reason : '')));
      ul.appendChild(li);
    }
  }

  // The stores in the order of the nodes parameter, then by object name.
  function ordered() {
    return Array.from(stores.values()).sort(function (x, y) {
      var d = nodes.indexOf(x.url) - nodes.indexOf(y.url);
      return d !== 0 ? d : (x.objectName < y.objectName ? -1 : (x.objectName > y.objectName ? 1 : 0));
    });
  }

  function render() {
    var now = Date.now();
    var cards = document.getElementById('cards');
    var fragment = document.createDocumentFragment();
    ordered().forEach(function (s) { fragment.appendChild(card(s, now)); });
    nodeErrors.forEach(function (message, url) { fragment.appendChild(errorCard(url, message)); });
    if (nodes.length === 0) {
      fragment.appendChild(errorCard('(no nodes)',
          'Give the nodes\' Jolokia URLs: /dashboard?nodes=http://host:port/jolokia/,http://host2:port/jolokia/'));
    }
    cards.textContent = '';
    cards.appendChild(fragment);
    timeline(now);
    var reachable = nodes.length - nodeErrors.size - countStaleNodes();
    document.getElementById('status').textContent = nodes.length + ' node(s), ' + reachable + ' answering; ' +
        'updated ' + time(now);
    document.body.dataset.polls = String(polls);
  }

  function countStaleNodes() {
    var stale = new Set();
    stores.forEach(function (s) {
      if (s.error) {
        stale.add(s.url);
      }
    });
    return stale.size;
  }

  render();
  poll();
}());
