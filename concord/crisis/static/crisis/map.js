/* The crisis map: Leaflet (from django-leaflet) over our own vector basemap, with events
 * clustered on the server. Nothing is loaded from anywhere but this site: no tiles, no fonts,
 * no CDN. The page passes its settings in a json_script block (#crisis-map-config), so there is
 * no inline script and the page works under a strict Content-Security-Policy.
 */
(function () {
  "use strict";

  var DAY = 24 * 3600 * 1000;
  var WEEK = 7 * DAY;

  function readConfig() {
    var node = document.getElementById("crisis-map-config");
    return node ? JSON.parse(node.textContent) : null;
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function isoDay(ms) {
    return new Date(ms).toISOString().slice(0, 10);
  }

  function isoUtc(ms) {
    // parse_filter wants an explicit UTC offset.
    return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+00:00");
  }

  function start(config) {
    var container = document.getElementById("crisis-map");
    var status = document.getElementById("map-status");
    var form = document.getElementById("map-filters");

    var map = L.map(container, {
      center: config.center,
      zoom: config.zoom,
      minZoom: config.minZoom,
      maxZoom: config.maxZoom,
      worldCopyJump: false,
      preferCanvas: false
    });
    // Leaflet's own prefix is a link to its web site: keep the name, drop the link.
    map.attributionControl.setPrefix("Leaflet");
    map.attributionControl.addAttribution(config.attribution);

    map.createPane("world").style.zIndex = 200;
    map.createPane("countries").style.zIndex = 250;
    map.createPane("places").style.zIndex = 300;
    map.createPane("region").style.zIndex = 350;
    // Events stay in Leaflet's overlay (420) and marker (600) panes, above the basemap.

    var members = {};
    config.memberStates.forEach(function (code) { members[code] = true; });

    function alpha3(props) {
      return props.ADM0_A3 || props.ISO_A3 || props.adm0_a3 || props.iso_a3 || "";
    }

    function setStatus(text, isError) {
      status.textContent = text;
      status.className = isError ? "map-status error" : "map-status";
    }

    function getJson(url) {
      return fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) {
          return response.json().then(
            function (body) { throw new Error(body.detail + errorsText(body.errors)); },
            function () { throw new Error("HTTP " + response.status); }
          );
        }
        return response.json();
      });
    }

    function errorsText(errors) {
      if (!errors || !errors.length) return "";
      return ": " + errors.map(function (e) { return e.msg || e.message || String(e); }).join("; ");
    }

    // Basemap --------------------------------------------------------------------------------
    var basemap = {
      world: {
        pane: "world",
        interactive: false,
        style: { color: "#9aa5b1", weight: 0.6, fillColor: "#eef0f2", fillOpacity: 1 }
      },
      countries: {
        pane: "countries",
        interactive: false,
        style: function (feature) {
          var member = members[alpha3(feature.properties || {})];
          return member
            ? { color: "#3d5a80", weight: 1.4, fillColor: "#dce8f5", fillOpacity: 1 }
            : { color: "#7b8794", weight: 0.8, fillColor: "#f5f5f0", fillOpacity: 1 };
        }
      },
      places: {
        pane: "places",
        pointToLayer: function (feature, latlng) {
          return L.circleMarker(latlng, {
            pane: "places",
            radius: 2,
            color: "#52606d",
            weight: 1,
            fillOpacity: 1,
            className: "crisis-place"
          }).bindTooltip(String((feature.properties || {}).name || ""), { direction: "top" });
        }
      }
    };
    ["world", "countries", "places"].forEach(function (name) {
      getJson(config.basemap[name]).then(function (data) {
        L.geoJSON(data, basemap[name]).addTo(map);
      }).catch(function (error) { setStatus(config.labels.basemapFailed + " " + error.message, true); });
    });

    // Time slider: weeks over the last N months ---------------------------------------------------
    var from = document.getElementById("f-from");
    var to = document.getElementById("f-to");
    var fromLabel = document.getElementById("f-from-label");
    var toLabel = document.getElementById("f-to-label");
    var play = document.getElementById("f-play");
    var origin = Date.parse(config.timeStart);
    var end = Date.parse(config.timeEnd);
    var weeks = Math.ceil((end - origin) / WEEK);
    [from, to].forEach(function (input) {
      input.min = "0";
      input.max = String(weeks);
    });
    from.value = "0";
    to.value = String(weeks);

    function sinceMs() { return origin + Number(from.value) * WEEK; }
    function untilMs() { return Math.min(origin + Number(to.value) * WEEK, end); }

    function showTimes() {
      fromLabel.textContent = isoDay(sinceMs());
      toLabel.textContent = isoDay(untilMs() - DAY);
    }

    function keepOrder(moved) {
      if (Number(from.value) >= Number(to.value)) {
        if (moved === from) from.value = String(Math.max(0, Number(to.value) - 1));
        else to.value = String(Math.min(weeks, Number(from.value) + 1));
      }
    }

    // Events ---------------------------------------------------------------------------------
    var colours = config.colours;
    var events = L.layerGroup().addTo(map);
    var latest = 0;
    var regionLayer = null;

    function filterParams() {
      var params = new URLSearchParams();
      var bounds = map.getBounds();
      var west = Math.max(-180, bounds.getWest());
      var east = Math.min(180, bounds.getEast());
      var south = Math.max(-90, bounds.getSouth());
      var north = Math.min(90, bounds.getNorth());
      params.set("zoom", String(map.getZoom()));
      params.set("bbox", [west, south, east, north].map(function (v) { return v.toFixed(4); }).join(","));
      params.set("since", isoUtc(sinceMs()));
      params.set("until", isoUtc(untilMs()));
      ["type", "source", "min_severity", "region"].forEach(function (name) {
        var value = form.elements[name].value;
        if (value) params.set(name, value);
      });
      return params;
    }

    function popup(props) {
      var box = el("div", { "class": "event-popup" });
      box.appendChild(el("strong", {}, props.title));
      box.appendChild(el("div", { "class": "muted" }, props.type_name));
      box.appendChild(el("div", {}, (props.starts_at || "").replace("T", " ").slice(0, 16) + " UTC"));
      var place = [props.admin1_name, props.country].filter(Boolean).join(", ");
      if (place) box.appendChild(el("div", {}, place));
      box.appendChild(el("div", {}, config.labels.severity + ": " + props.severity));
      var href = props.url || config.eventUrl.replace("{uid}", props.uid);
      var link = el("a", { href: href }, config.labels.open);
      box.appendChild(el("div", {})).appendChild(link);
      return box;
    }

    function clusterIcon(count, severity) {
      var size = count < 10 ? 28 : count < 100 ? 34 : count < 1000 ? 40 : 46;
      return L.divIcon({
        html: "<span>" + String(count) + "</span>",
        className: "crisis-cluster sev-" + String(severity || 1),
        iconSize: [size, size]
      });
    }

    // The event whose popup is open: kept across reloads (opening a popup may pan the map,
    // and every pan reloads the layer).
    var openUid = null;
    map.on("popupopen", function (event) { openUid = event.popup.options.uid || null; });
    map.on("popupclose", function () { openUid = null; });

    function draw(collection) {
      var keepOpen = openUid;
      var reopen = null;
      events.clearLayers();
      var shown = 0;
      (collection.features || []).forEach(function (feature) {
        var props = feature.properties || {};
        var coords = feature.geometry && feature.geometry.coordinates;
        if (!coords) return;
        var latlng = L.latLng(coords[1], coords[0]);
        if (props.cluster) {
          shown += props.count;
          var marker = L.marker(latlng, {
            icon: clusterIcon(props.count, props.max_severity),
            title: config.labels.events + ": " + props.count,
            keyboard: true
          });
          marker.on("click", function () { map.setView(latlng, Math.min(map.getZoom() + 2, config.maxZoom)); });
          events.addLayer(marker);
        } else {
          shown += 1;
          var point = L.circleMarker(latlng, {
            radius: 7,
            color: "#1f2933",
            weight: 1,
            fillColor: colours[String(props.severity)] || colours["3"],
            fillOpacity: 0.9,
            className: "crisis-event sev-" + String(props.severity)
          }).bindPopup(popup(props), { uid: props.uid });
          events.addLayer(point);
          if (keepOpen && props.uid === keepOpen) reopen = point;
        }
      });
      if (reopen) reopen.openPopup();
      container.setAttribute("data-shown", String(shown));
      setStatus(config.labels.shown + ": " + shown);
    }

    // Only the answer to the latest request is drawn: an older one that arrives late is
    // dropped (the server has done its work by then, so cancelling would save nothing).
    function reload() {
      var ticket = ++latest;
      container.setAttribute("data-loading", "1");
      getJson(config.clustersUrl + "?" + filterParams().toString())
        .then(function (data) {
          if (ticket !== latest) return;
          draw(data);
          container.removeAttribute("data-loading");
        })
        .catch(function (error) {
          if (ticket !== latest) return;
          container.removeAttribute("data-loading");
          setStatus(config.labels.failed + " " + error.message, true);
        });
    }

    function showRegion(slug) {
      if (regionLayer) {
        map.removeLayer(regionLayer);
        regionLayer = null;
      }
      if (!slug) return;
      getJson(config.regionUrl + encodeURIComponent(slug)).then(function (region) {
        if (!region.geometry) return;
        regionLayer = L.geoJSON(region.geometry, {
          pane: "region",
          interactive: false,
          style: { color: "#c2410c", weight: 2, dashArray: "6 4", fill: false }
        }).addTo(map);
        map.fitBounds(regionLayer.getBounds(), { padding: [20, 20] });
      }).catch(function (error) { setStatus(config.labels.failed + " " + error.message, true); });
    }

    // Legend ----------------------------------------------------------------------------------
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = el("div", { "class": "crisis-legend" });
      box.appendChild(el("strong", {}, config.labels.severity));
      [1, 2, 3, 4, 5].forEach(function (level) {
        var row = el("div", {});
        var swatch = el("span", { "class": "swatch sev-" + level });
        swatch.style.backgroundColor = colours[String(level)];
        row.appendChild(swatch);
        row.appendChild(document.createTextNode(" " + level));
        box.appendChild(row);
      });
      return box;
    };
    legend.addTo(map);

    // Wiring ----------------------------------------------------------------------------------
    var timer = null;
    function stopPlaying() {
      if (timer) window.clearInterval(timer);
      timer = null;
      play.textContent = config.labels.play;
      play.setAttribute("aria-pressed", "false");
    }
    function step() {
      if (Number(to.value) >= weeks) {
        stopPlaying();
        return;
      }
      from.value = String(Number(from.value) + 1);
      to.value = String(Number(to.value) + 1);
      showTimes();
      reload();
    }
    play.addEventListener("click", function () {
      if (timer) {
        stopPlaying();
        return;
      }
      // Play a window of the chosen width (four weeks when the whole span is chosen) from the start.
      var width = Number(to.value) - Number(from.value);
      if (width >= weeks) width = Math.min(4, weeks);
      from.value = "0";
      to.value = String(width);
      showTimes();
      reload();
      play.textContent = config.labels.pause;
      play.setAttribute("aria-pressed", "true");
      timer = window.setInterval(step, config.stepMs);
    });

    [from, to].forEach(function (input) {
      input.addEventListener("input", function () {
        keepOrder(input);
        showTimes();
      });
      input.addEventListener("change", function () {
        stopPlaying();
        reload();
      });
    });
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target === from || target === to) return;
      if (target.name === "months") {
        form.submit(); // a new span: the page is drawn again with its own time range
        return;
      }
      if (target.name === "region") showRegion(target.value);
      reload();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      reload();
    });
    map.on("moveend", reload); // zoomend is followed by moveend: one reload per change

    showTimes();
    if (form.elements.region.value) showRegion(form.elements.region.value);
    reload();
    window.crisisMap = map; // for the browser test and the console
  }

  function boot() {
    var config = readConfig();
    if (config && window.L) start(config);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
