/* Maps: /map's (a faceted list's GeoJSON) and the small maps of resource pages (their points
 * inline as GeoJSON), drawn as clustered points over the country outlines shipped with cblod
 * (no tile server unless the operator sets one), each point a keyboard-reachable button whose
 * popup links the item's page. What is drawn is written back on each map's element
 * (data-features, data-points, data-loaded) for a reader's tools. No inline script: the
 * page's Content-Security-Policy allows scripts from cblod only. */
(function () {
  "use strict";
  if (!window.L) return;

  function json(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  var outlines = {};  // by URL: fetched once for every map of the page
  function countries(url) {
    outlines[url] = outlines[url] || json(url).then(function (topology) {
      var shapes = topology.objects.countries, land = topojson.feature(topology, shapes);
      land.features.forEach(function (feature) { eachRing(feature.geometry, closedUnwrapped); });
      return { land: land, lines: edges(topojson.mesh(topology, shapes)) };
    });
    return outlines[url];
  }

  /* Longitudes made continuous along a line: world-atlas' rings cross the antimeridian (from
   * 179.9 to -179.9), which a flat map draws as a band across the whole world. */
  function unwrapped(line) {
    var offset = 0, previous = null;
    return line.map(function (at) {
      var lon = at[0] + offset;
      if (previous !== null && Math.abs(lon - previous) > 180) {
        var turn = lon > previous ? -360 : 360;
        offset += turn;
        lon += turn;
      }
      previous = lon;
      return [lon, at[1]];
    });
  }

  /* A ring unwrapped, unless it goes round the world (Antarctica): it no longer closes. */
  function closedUnwrapped(ring) {
    var made = unwrapped(ring), first = made[0], last = made[made.length - 1];
    return first[0] === last[0] && first[1] === last[1] ? made : ring;
  }

  function eachRing(geometry, change) {
    if (!geometry) return;
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates]
      : geometry.type === "MultiPolygon" ? geometry.coordinates : [];
    polygons.forEach(function (polygon) {
      polygon.forEach(function (ring, i) { polygon[i] = change(ring); });
    });
  }

  /* The countries' edges, each once, unwrapped like the land, without the edges drawn along
   * the antimeridian where a country is cut there (a line to the pole). */
  function edges(mesh) {
    var lines = [];
    function onCut(a, b) {
      return Math.abs(Math.abs(a[0]) - 180) < 1e-4 && Math.abs(Math.abs(b[0]) - 180) < 1e-4;
    }
    mesh.coordinates.forEach(function (line) {
      var part = [];
      unwrapped(line).forEach(function (at, i, all) {
        if (i && onCut(all[i - 1], at)) {
          if (part.length > 1) lines.push(part);
          part = [];
        }
        part.push(at);
      });
      if (part.length > 1) lines.push(part);
    });
    return { type: "MultiLineString", coordinates: lines };
  }

  function popup(feature, target) {
    var link = document.createElement("a");
    link.href = feature.properties.href || feature.id;
    link.textContent = feature.properties.name || feature.id;
    if (target) link.target = target;
    return link;
  }

  function clusterIcon(cluster) {
    var count = cluster.getChildCount();
    var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    var outer = document.createElement("div");
    var number = document.createElement("span");
    number.textContent = String(count);
    var hidden = document.createElement("span");
    hidden.className = "visually-hidden";
    hidden.textContent = " points here: press Enter to zoom in";
    number.appendChild(hidden);
    outer.appendChild(number);
    return L.divIcon({ html: outer, className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
  }

  /* A map over cblod's own country outlines, a tile layer only when the operator sets one: what
   * every map of cblod starts from (/map, the small maps, the query page's Map view). */
  function base(element, options) {
    // no tile layer sets the zoom range by default: the outlines hold from a continent to a town
    var map = L.map(element, {
      worldCopyJump: true, minZoom: 2, maxZoom: 14, renderer: L.svg({ padding: 1 }),
    }).setView([54, 15], 4);
    if (options.tiles) {
      L.tileLayer(options.tiles, { attribution: options.attribution, maxZoom: 18 }).addTo(map);
    }
    var drawn = countries(options.outlines).then(function (shapes) {
      L.geoJSON(shapes.land, { interactive: false, style: { className: "map-country", stroke: false } }).addTo(map);
      L.geoJSON(shapes.lines, { interactive: false, style: { className: "map-border", fill: false } }).addTo(map);
    });
    return { map: map, outlines: drawn };
  }

  /* A point: a button keyboard users reach (Tab, Enter), named for screen readers, opening
   * ``popup`` (an element, or a function making one). */
  function point(lat, lon, name, popup) {
    var marker = L.marker([lat, lon], {
      icon: L.divIcon({ className: "map-point", iconSize: [14, 14] }),
      title: name,
      keyboard: true,
    });
    marker.on("add", function () { marker.getElement().setAttribute("aria-label", name); });
    marker.bindPopup(popup);
    return marker;
  }

  window.cblodMap = { base: base, point: point };

  function draw(element) {
    var made = base(element, element.dataset);
    var map = made.map, outlines = made.outlines;
    var target = element.dataset.popupTarget;
    if (element.dataset.regions) map.createPane("regions").style.zIndex = 450;  // over the countries
    var regions = element.dataset.regions ? json(element.dataset.regions).then(function (found) {
      var layer = L.geoJSON(found, { interactive: false, pane: "regions", style: { className: "map-region" } }).addTo(map);
      element.dataset.regionsDrawn = String(found.features.length);
      return layer;
    }) : Promise.resolve(null);
    var collection = element.dataset.geojson
      ? json(element.dataset.geojson)
      : Promise.resolve(JSON.parse(element.dataset.inline || '{"features": []}'));
    var points = collection.then(function (found) {
      var group = L.markerClusterGroup({ iconCreateFunction: clusterIcon, showCoverageOnHover: false });
      var features = 0, drawn = 0;
      found.features.forEach(function (feature) {
        var geometry = feature.geometry;
        if (!geometry) return;
        var at = geometry.type === "Point" ? [geometry.coordinates] : geometry.coordinates;
        features += 1;
        var name = feature.properties.name || feature.id;
        at.forEach(function (lonLat) {
          group.addLayer(point(lonLat[1], lonLat[0], name, function () { return popup(feature, target); }));
          drawn += 1;
        });
      });
      group.addTo(map);
      if (drawn) map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 8 });
      element.dataset.features = String(features);
      element.dataset.points = String(drawn);
    });
    Promise.all([outlines, points, regions]).then(
      function (drawn) {
        // nothing placed in a chosen region: show the region itself
        var layer = drawn[2];
        if (layer && element.dataset.points === "0" && /[?&]code=/.test(element.dataset.regions)) {
          map.fitBounds(layer.getBounds(), { padding: [24, 24] });
        }
        element.dataset.loaded = "1";
      },
      function (error) {
        element.dataset.loaded = "error";
        var note = document.createElement("p");
        note.className = "error";
        note.setAttribute("role", "alert");
        note.textContent = "The map could not be drawn: " + (error && error.message ? error.message : String(error));
        element.parentNode.insertBefore(note, element);
      }
    );
  }

  document.querySelectorAll(".map[data-outlines]").forEach(draw);
})();
