// khabar actor co-occurrence graph: fetches /cooccurrence/graph and draws it as SVG.
// No third-party code: a small deterministic force layout, native SVG text (right-to-left labels).
(function () {
  "use strict";
  var SVG_NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("graph");
  var tooltip = document.getElementById("tooltip");
  var windowSelect = document.getElementById("window");
  var limitSelect = document.getElementById("limit");
  var summary = document.getElementById("summary");
  var eventsPanel = document.getElementById("events");
  var faDigits = "۰۱۲۳۴۵۶۷۸۹";

  function fa(n) { return String(n).replace(/[0-9]/g, function (d) { return faDigits[+d]; }); }
  function el(name, attrs, parent) {
    var e = document.createElementNS(SVG_NS, name);
    for (var k in attrs) { e.setAttribute(k, attrs[k]); }
    if (parent) { parent.appendChild(e); }
    return e;
  }
  function params() {
    var q = new URLSearchParams(location.search);
    return { window: q.get("window") || "current", limit: q.get("limit") || limitSelect.value };
  }

  // Deterministic force-directed layout (Fruchterman-Reingold with cooling), positions in [0,w]x[0,h].
  function layout(nodes, edges, w, h) {
    var n = nodes.length, index = {}, i, j, it;
    nodes.forEach(function (d, k) {
      index[d.id] = k;
      d.r = radius(d);
      var a = 2 * Math.PI * k / Math.max(1, n), r = Math.min(w, h) * 0.35;
      d.x = w / 2 + r * Math.cos(a); d.y = h / 2 + r * Math.sin(a);
    });
    var area = w * h, kk = Math.sqrt(area / Math.max(1, n)) * 0.75, t = w / 8, iterations = 300;
    var links = edges.map(function (e) { return [index[e.source], index[e.target], e.articles]; });
    for (it = 0; it < iterations; it++) {
      var dx = new Float64Array(n), dy = new Float64Array(n);
      for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
          var ex = nodes[i].x - nodes[j].x, ey = nodes[i].y - nodes[j].y;
          var dist = Math.max(0.01, Math.sqrt(ex * ex + ey * ey)), f = kk * kk / dist;
          dx[i] += ex / dist * f; dy[i] += ey / dist * f; dx[j] -= ex / dist * f; dy[j] -= ey / dist * f;
        }
      }
      links.forEach(function (l) {
        var a = nodes[l[0]], b = nodes[l[1]], ex = a.x - b.x, ey = a.y - b.y;
        var dist = Math.max(0.01, Math.sqrt(ex * ex + ey * ey)), f = dist * dist / kk * (1 + Math.log(l[2]) / 3);
        dx[l[0]] -= ex / dist * f; dy[l[0]] -= ey / dist * f; dx[l[1]] += ex / dist * f; dy[l[1]] += ey / dist * f;
      });
      for (i = 0; i < n; i++) {
        // gravity keeps disconnected parts on screen
        dx[i] += (w / 2 - nodes[i].x) * 0.02 * kk / 10; dy[i] += (h / 2 - nodes[i].y) * 0.02 * kk / 10;
        var len = Math.max(0.01, Math.sqrt(dx[i] * dx[i] + dy[i] * dy[i])), step = Math.min(len, t);
        nodes[i].x = Math.min(w - 40, Math.max(40, nodes[i].x + dx[i] / len * step));
        nodes[i].y = Math.min(h - 60, Math.max(30, nodes[i].y + dy[i] / len * step));
      }
      t *= 0.985;
      // collisions: circles (sized by mentions) and their labels must not sit on top of each other
      for (i = 0; i < n; i++) {
        for (j = i + 1; j < n; j++) {
          var cx = nodes[i].x - nodes[j].x, cy = nodes[i].y - nodes[j].y;
          var d2 = Math.max(0.01, Math.sqrt(cx * cx + cy * cy)), min = nodes[i].r + nodes[j].r + 14;
          if (d2 < min) {
            var push = (min - d2) / 2;
            nodes[i].x += cx / d2 * push; nodes[i].y += cy / d2 * push;
            nodes[j].x -= cx / d2 * push; nodes[j].y -= cy / d2 * push;
          }
        }
      }
    }
  }
  // A label centred under a node near the edge would be cut off by the page: slide it back inside.
  function keepInside(t, w, h) {
    var b = t.getBBox(), margin = 4, dx = 0, dy = 0;
    if (b.x < margin) { dx = margin - b.x; } else if (b.x + b.width > w - margin) { dx = w - margin - b.x - b.width; }
    if (b.y < margin) { dy = margin - b.y; } else if (b.y + b.height > h - margin) { dy = h - margin - b.y - b.height; }
    if (dx || dy) {
      t.setAttribute("x", (+t.getAttribute("x") + dx).toFixed(1));
      t.setAttribute("y", (+t.getAttribute("y") + dy).toFixed(1));
    }
  }
  function radius(d) { return Math.min(30, 4 + 3 * Math.sqrt(Math.max(1, d.mentions || 1))); }

  function showTip(evt, html) {
    tooltip.innerHTML = html;
    tooltip.hidden = false;
    var box = svg.getBoundingClientRect();
    tooltip.style.left = (evt.clientX - box.left + 14) + "px";
    tooltip.style.top = (evt.clientY - box.top + 14) + "px";
  }
  function hideTip() { tooltip.hidden = true; }
  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]; }); }

  function render(data) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var box = svg.getBoundingClientRect(), w = box.width || 1200, h = box.height || 800;
    var nodes = data.nodes.map(function (d) { return Object.assign({}, d); });
    var edges = data.edges;
    // dates are left-to-right runs inside right-to-left text: isolate them (LRI ... PDI)
    var label = data.window.start ? ("از \u2066" + data.window.start.slice(0, 10) + "\u2069 تا \u2066" +
                                     data.window.end.slice(0, 10) + "\u2069") : "کل دوره";
    summary.textContent = fa(nodes.length) + " کنشگر، " + fa(edges.length) + " پیوند · " + label;
    if (!nodes.length) {
      el("text", {x: w / 2, y: h / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = "در این بازه داده‌ای نیست";
      document.body.dataset.state = "ready";
      return;
    }
    layout(nodes, edges, w, h);
    var byId = {};
    nodes.forEach(function (d) { byId[d.id] = d; });
    var maxArticles = Math.max.apply(null, edges.map(function (e) { return e.articles; }).concat([1]));
    var gEdges = el("g", {"class": "edges"}, svg), gNodes = el("g", {"class": "nodes"}, svg), gLabels = el("g", {"class": "labels"}, svg);
    edges.forEach(function (e) {
      var a = byId[e.source], b = byId[e.target];
      var line = el("line", {x1: a.x, y1: a.y, x2: b.x, y2: b.y, "class": "edge" + (e.sentences * 2 > e.articles ? " strong" : ""),
                             "stroke-width": (1 + 5 * e.articles / maxArticles).toFixed(2),
                             "data-a": e.a, "data-b": e.b, "data-articles": e.articles, "data-sentences": e.sentences}, gEdges);
      var text = a.name + " — " + b.name + ": " + fa(e.articles) + " خبر، " + fa(e.sentences) + " هم‌جمله";
      el("title", {}, line).textContent = text;
      line.addEventListener("mousemove", function (evt) {
        showTip(evt, "<b>" + esc(a.name) + "</b> — <b>" + esc(b.name) + "</b><br>" + fa(e.articles) + " خبر مشترک، " + fa(e.sentences) + " در یک جمله");
      });
      line.addEventListener("mouseleave", hideTip);
    });
    nodes.forEach(function (d) {
      var r = d.r;
      var c = el("circle", {cx: d.x, cy: d.y, r: r.toFixed(1), "class": "node " + (d.type || "other"),
                            "data-id": d.id, "data-mentions": d.mentions, "data-articles": d.articles}, gNodes);
      el("title", {}, c).textContent = d.name + ": " + fa(d.mentions) + " اشاره در " + fa(d.articles) + " خبر";
      c.addEventListener("mousemove", function (evt) {
        showTip(evt, "<b>" + esc(d.name) + "</b><br>" + fa(d.mentions) + " اشاره در " + fa(d.articles) + " خبر<br>" + fa(d.partners) + " هم‌آیند");
      });
      c.addEventListener("mouseleave", hideTip);
      c.addEventListener("click", function () { showEvents(d); });
      var t = el("text", {x: d.x, y: (d.y + r + 13).toFixed(1), "text-anchor": "middle", direction: "rtl",
                          "class": "label", "data-id": d.id}, gLabels);
      t.textContent = d.name;
      keepInside(t, w, h);
    });
    document.body.dataset.state = "ready";
    document.body.dataset.nodes = nodes.length;
    document.body.dataset.edges = edges.length;
  }

  // The fused events naming an actor (GET /events/actor/{id}): one line per event, however many reports.
  var TYPES = {visit: "سفر", sanction: "تحریم"};
  var STATUSES = {occurred: "انجام شد", planned: "برنامه‌ریزی‌شده", imposed: "اعمال شد", threatened: "تهدید",
                  lifted: "لغو شد"};
  function names(args) { return (args || []).map(function (a) { return a.name; }).join("، "); }
  function counted(c) {  // a sanction naming no target is known by its target counts
    var parts = [];
    if (c && c.persons != null) { parts.push(fa(c.persons) + " فرد"); }
    if (c && c.entities != null) { parts.push(fa(c.entities) + " نهاد"); }
    return parts.join(" و ") || "؟";
  }
  function showEvents(d) {
    eventsPanel.hidden = false;
    eventsPanel.dataset.actor = d.id;
    eventsPanel.dataset.state = "loading";
    eventsPanel.innerHTML = "<h2>" + esc(d.name) + ": رویدادها</h2>";
    fetch("/events/actor/" + encodeURIComponent(d.id) + "?limit=10")
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) {
        var list = document.createElement("ol");
        data.events.forEach(function (e) {
          var a = e.arguments, who = e.type === "visit" ? names(a.visitor) + " ← " + names(a.destination)
                                                       : names(a.authority) + " ← " + (names(a.target) || counted(e.target_count));
          var li = document.createElement("li");
          li.dataset.id = e.id;
          li.innerHTML = "<b>" + esc(TYPES[e.type] || e.type) + "</b> " + esc(who) + " · " +
            esc(STATUSES[e.status] || e.status) + (e.date ? " · \u2066" + esc(e.date) + "\u2069" : "") +
            "<br><small>" + fa(e.articles) + " خبر از " + fa(e.sources) + " منبع، " + fa(e.mentions) + " اشاره</small>";
          list.appendChild(li);
        });
        if (!data.events.length) { list.innerHTML = "<li>رویدادی ثبت نشده است</li>"; }
        eventsPanel.appendChild(list);
        eventsPanel.dataset.state = "ready";
      })
      .catch(function (err) {
        eventsPanel.appendChild(document.createTextNode("خطا: " + err.message));
        eventsPanel.dataset.state = "error";
      });
  }

  function fillWindows(data, selected) {
    windowSelect.innerHTML = "";
    var opts = [["current", "هفتهٔ جاری (" + (data.window.name || "7d") + ")"]];
    data.windows.forEach(function (s) { opts.push([s, s.slice(0, 10)]); });
    opts.push(["total", "کل دوره"]);
    opts.forEach(function (o) {
      var opt = document.createElement("option");
      opt.value = o[0]; opt.textContent = o[1];
      if (o[0] === selected || (selected !== "current" && selected !== "total" && o[0].slice(0, 10) === String(selected).slice(0, 10))) { opt.selected = true; }
      windowSelect.appendChild(opt);
    });
  }

  function load() {
    var p = params();
    document.body.dataset.state = "loading";
    fetch("/cooccurrence/graph?window=" + encodeURIComponent(p.window) + "&limit=" + encodeURIComponent(p.limit))
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
      .then(function (data) { fillWindows(data, p.window); render(data); })
      .catch(function (err) {
        summary.textContent = "خطا: " + err.message;
        document.body.dataset.state = "error";
      });
  }

  function navigate() {
    var q = new URLSearchParams(location.search);
    q.set("window", windowSelect.value);
    q.set("limit", limitSelect.value);
    history.replaceState(null, "", "?" + q.toString());
    load();
  }
  windowSelect.addEventListener("change", navigate);
  limitSelect.addEventListener("change", navigate);
  var initial = new URLSearchParams(location.search).get("limit");
  if (initial) { limitSelect.value = initial; }
  window.khabarGraph = { reload: load };
  load();
})();
