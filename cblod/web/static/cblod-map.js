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
      return topojson.feature(topology, topology.objects.countries);
    });
    return outlines[url];
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

  function draw(element) {
    // no tile layer sets the zoom range by default: the outlines hold from a continent to a town
    var map = L.map(element, {
      worldCopyJump: true, minZoom: 2, maxZoom: 14, renderer: L.svg({ padding: 1 }),
    }).setView([54, 15], 4);
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
    }
    var target = element.dataset.popupTarget;
    var base = countries(element.dataset.outlines).then(function (shapes) {
      L.geoJSON(shapes, { interactive: false, style: { className: "map-country" } }).addTo(map);
    });
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
        at.forEach(function (lonLat) {
          var name = feature.properties.name || feature.id;
          var marker = L.marker([lonLat[1], lonLat[0]], {
            icon: L.divIcon({ className: "map-point", iconSize: [14, 14] }),
            title: name,
            keyboard: true,
          });
          marker.on("add", function () { marker.getElement().setAttribute("aria-label", name); });
          marker.bindPopup(function () { return popup(feature, target); });
          group.addLayer(marker);
          drawn += 1;
        });
      });
      group.addTo(map);
      if (drawn) map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 8 });
      element.dataset.features = String(features);
      element.dataset.points = String(drawn);
    });
    Promise.all([base, points, regions]).then(
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
