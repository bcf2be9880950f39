/* The query page with YASGUI (vendored in static/yasgui): cblod's endpoint, prefixes and terms
 * completed from cblod itself, a chart view and a map view (points of an answer's WKT). Without JavaScript the page's own form and
 * table work as before; with it, the editor takes their place. No inline script: the page's
 * Content-Security-Policy allows scripts from cblod only. */
(function () {
  "use strict";
  var holder = document.getElementById("yasgui");
  if (!holder || !window.Yasgui) return;
  var Yasqe = window.Yasgui.Yasqe;
  var Yasr = window.Yasgui.Yasr;
  var endpoint = new URL(holder.dataset.endpoint, window.location.href).href;

  Yasqe.defaults.prefixCcApi = holder.dataset.prefixes;
  var vocabulary = null;
  function terms() {
    vocabulary = vocabulary || fetch(holder.dataset.terms).then(function (r) { return r.json(); });
    return vocabulary;
  }
  ["property", "class"].forEach(function (kind) {
    var completer = Yasqe.Autocompleters[kind];
    if (!completer) return;
    completer.get = function (yasqe, token) {
      var wanted = (token.autocompletionString || "").toLowerCase();
      return terms().then(function (found) {
        return found[kind].filter(function (iri) { return iri.toLowerCase().indexOf(wanted) >= 0; });
      });
    };
  });

  /* Bars: the first column's values as labels, the first numeric column as lengths. */
  function Chart(yasr) { this.yasr = yasr; }
  Chart.prototype.priority = 5;
  Chart.prototype.label = "Chart";
  Chart.prototype.columns = function () {
    var results = this.yasr.results;
    if (!results || !results.getVariables || !results.getBindings) return null;
    var variables = results.getVariables(), rows = results.getBindings();
    var numeric = variables.find(function (v) {
      return rows.length > 0 && rows.every(function (r) { return !r[v] || !isNaN(parseFloat(r[v].value)); })
        && rows.some(function (r) { return r[v]; });
    });
    var label = variables.find(function (v) { return v !== numeric; });
    return numeric && label ? { label: label, value: numeric, rows: rows.slice(0, 100) } : null;
  };
  Chart.prototype.canHandleResults = function () { return !!this.columns(); };
  Chart.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "▥";
    icon.setAttribute("aria-hidden", "true");
    return icon;
  };
  Chart.prototype.draw = function () {
    var spec = this.columns(), svg = "http://www.w3.org/2000/svg";
    var target = this.yasr.resultsEl;
    while (target.firstChild) target.removeChild(target.firstChild);
    if (!spec) return;
    var values = spec.rows.map(function (r) { return r[spec.value] ? parseFloat(r[spec.value].value) : 0; });
    var largest = Math.max.apply(null, values.concat([0])) || 1;
    var rowHeight = 22, labelWidth = 320, barWidth = 480;
    var chart = document.createElementNS(svg, "svg");
    chart.setAttribute("class", "cblod-chart");
    chart.setAttribute("role", "img");
    chart.setAttribute("aria-label", spec.value + " by " + spec.label);
    chart.setAttribute("width", String(labelWidth + barWidth + 140));
    chart.setAttribute("height", String(rowHeight * spec.rows.length + 10));
    spec.rows.forEach(function (row, n) {
      var y = n * rowHeight + 5, cell = row[spec.label];
      var text = document.createElementNS(svg, "text");
      text.setAttribute("x", "0"); text.setAttribute("y", String(y + 15));
      // an IRI by its last segment (the table view shows it whole)
      text.textContent = !cell ? "" : cell.type === "uri" ? cell.value.replace(/^.*[\/#]/, "") : cell.value;
      var bar = document.createElementNS(svg, "rect");
      bar.setAttribute("x", String(labelWidth)); bar.setAttribute("y", String(y));
      bar.setAttribute("height", String(rowHeight - 6));
      bar.setAttribute("width", String(Math.max(1, barWidth * values[n] / largest)));
      bar.setAttribute("fill", "#0b5cad");
      var amount = document.createElementNS(svg, "text");
      amount.setAttribute("x", String(labelWidth + barWidth + 8)); amount.setAttribute("y", String(y + 15));
      amount.textContent = values[n].toLocaleString();
      chart.appendChild(text); chart.appendChild(bar); chart.appendChild(amount);
    });
    target.appendChild(chart);
  };
  Yasr.registerPlugin("chart", Chart);

  /* A map: every WKT point of the answer (geo:wktLiteral, longitude first) as a marker over
   * the country outlines shipped with cblod (static/map, as on /map), its popup the row's
   * other values, an IRI as a link. Offered when some cell holds a point. */
  var WKT = "http://www.opengis.net/ont/geosparql#wktLiteral";
  var POINT = /^\s*POINT\s*\(\s*(\S+)\s+(\S+)\s*\)\s*$/i;
  function MapView(yasr) { this.yasr = yasr; }
  MapView.prototype.priority = 4;
  MapView.prototype.label = "Map";
  MapView.prototype.points = function () {
    var results = this.yasr.results;
    if (!window.cblodMap || !results || !results.getVariables || !results.getBindings) return [];
    var variables = results.getVariables(), found = [];
    results.getBindings().forEach(function (row) {
      variables.forEach(function (v) {
        var cell = row[v], at = cell && cell.datatype === WKT ? POINT.exec(cell.value) : null;
        if (at) found.push({ lat: parseFloat(at[2]), lon: parseFloat(at[1]), row: row, variables: variables });
      });
    });
    return found.filter(function (p) { return isFinite(p.lat) && isFinite(p.lon); });
  };
  MapView.prototype.canHandleResults = function () { return this.points().length > 0; };
  MapView.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "⌖";
    icon.setAttribute("aria-hidden", "true");
    return icon;
  };
  MapView.prototype.draw = function () {
    var target = this.yasr.resultsEl, points = this.points();
    while (target.firstChild) target.removeChild(target.firstChild);
    var element = document.createElement("div");
    element.className = "map cblod-results-map";
    element.setAttribute("role", "region");
    element.setAttribute("aria-label", points.length + " points of the answer on a map");
    target.appendChild(element);
    var made = cblodMap.base(element, { outlines: holder.dataset.outlines }), map = made.map;
    made.outlines.catch(function () {});  // the points without outlines, rather than no map
    var group = L.featureGroup();
    points.forEach(function (point) {
      var card = document.createElement("div");
      point.variables.forEach(function (v) {
        var cell = point.row[v];
        if (!cell || cell.datatype === WKT) return;
        var line = document.createElement("div");
        var value = cell.type === "uri" ? document.createElement("a") : document.createElement("span");
        if (cell.type === "uri") value.href = cell.value;
        value.textContent = cell.value;
        line.appendChild(document.createTextNode(v + ": "));
        line.appendChild(value);
        card.appendChild(line);
      });
      var name = card.textContent || point.lon + " " + point.lat;
      group.addLayer(cblodMap.point(point.lat, point.lon, name, card));
    });
    group.addTo(map);
    map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 10 });
    element.dataset.points = String(points.length);
  };
  Yasr.registerPlugin("map", MapView);

  /* The query of a shared link, read the way a browser reads a URL. YASGUI's own reading
   * (populateFromUrl, consumeShareLink) splits a query string at ";" as well as "&", so a query
   * with "?s a cbo:Project ; cbo:acronym ?a" in a link reached the editor cut at its first ";":
   * cblod reads the link itself, from the fragment (YASGUI's share links) or the query string. */
  function linkedQuery() {
    var fragment = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    if (fragment.has("query")) return fragment.get("query");
    var search = new URLSearchParams(window.location.search);
    return search.has("query") ? search.get("query") : null;
  }
  Yasqe.defaults.consumeShareLink = null;

  var yasgui = new window.Yasgui(holder, {
    populateFromUrl: false,
    requestConfig: { endpoint: endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    persistenceId: null,
    yasr: { pluginOrder: ["table", "chart", "map", "response"], defaultPlugin: "table" }
  });
  var form = document.getElementById("query-form");
  var answer = document.getElementById("answer");
  // shown before the query is set: an editor given its text while hidden draws nothing
  holder.hidden = false;
  // a shared link's query is run at once; otherwise start from the page's default query
  var linked = linkedQuery();
  yasgui.getTab().setQuery(linked !== null ? linked : document.getElementById("query").value);
  yasgui.getTab().getYasqe().refresh();
  if (linked !== null) yasgui.getTab().getYasqe().query().catch(function () {});
  // names for the fields YASGUI leaves unlabelled, its editor's and those it draws with each
  // answer (the table's page size and filter, the raw response's text): labelled as they appear
  var labels = [
    [".yasqe textarea", "SPARQL query"],
    [".tabsList input", "Tab name"],
    ["input.autocomplete", "SPARQL endpoint"],
    [".yasr .tableSizer, .yasr .dataTables_length select", "Rows per page"],
    [".yasr .tableFilter, .yasr .dataTables_filter input", "Filter the results"],
    [".yasr textarea", "The answer as the endpoint sent it"],
    [".yasr select", "Results option"],
    [".yasr input", "Results option"]
  ];
  function label() {
    labels.forEach(function (pair) {
      holder.querySelectorAll(pair[0]).forEach(function (field) {
        if (!field.getAttribute("aria-label") && !field.labels?.length) field.setAttribute("aria-label", pair[1]);
      });
    });
  }
  label();
  new MutationObserver(label).observe(holder, { childList: true, subtree: true });
  form.hidden = true;
  if (answer) answer.hidden = true;
  document.documentElement.classList.add("with-editor");
})();
