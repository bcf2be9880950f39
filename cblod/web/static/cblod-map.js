/* The map of a faceted list (/map): the list's GeoJSON drawn as clustered points over the
 * country outlines shipped with cblod (no tile server unless the operator sets one), each
 * point a keyboard-reachable button whose popup links the item's page. What is drawn is
 * written back on the map's element (data-features, data-points) for a reader's tools. */
(function () {
  "use strict";
  var element = document.getElementById("map");
  if (!element || !window.L) return;
  // no tile layer sets the zoom range by default: the outlines hold from a continent to a town
  var map = L.map(element, {
    worldCopyJump: true, minZoom: 2, maxZoom: 14, renderer: L.svg({ padding: 1 }),
  }).setView([54, 15], 4);
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution, maxZoom: 18 }).addTo(map);
  }
  var target = element.dataset.popupTarget;

  function json(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(url + ": " + response.status);
      return response.json();
    });
  }

  function popup(feature) {
    var link = document.createElement("a");
    link.href = feature.id;
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

  var outlines = json(element.dataset.outlines).then(function (topology) {
    var countries = topojson.feature(topology, topology.objects.countries);
    L.geoJSON(countries, { interactive: false, style: { className: "map-country" } }).addTo(map);
  });
  var points = json(element.dataset.geojson).then(function (collection) {
    var group = L.markerClusterGroup({ iconCreateFunction: clusterIcon, showCoverageOnHover: false });
    var features = 0, drawn = 0;
    collection.features.forEach(function (feature) {
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
        marker.bindPopup(function () { return popup(feature); });
        group.addLayer(marker);
        drawn += 1;
      });
    });
    group.addTo(map);
    if (drawn) map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 10 });
    element.dataset.features = String(features);
    element.dataset.points = String(drawn);
  });
  Promise.all([outlines, points]).then(
    function () { element.dataset.loaded = "1"; },
    function (error) {
      element.dataset.loaded = "error";
      var note = document.createElement("p");
      note.className = "error";
      note.setAttribute("role", "alert");
      note.textContent = "The map could not be drawn: " + (error && error.message ? error.message : String(error));
      if (window.console) console.error(error);
      element.parentNode.insertBefore(note, element);
    }
  );
})();
