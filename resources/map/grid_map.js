/* The grid map page: choropleth of unit grids, base-grid and street lines, clustered case markers.
 *
 * Two levels of shading: from cfg.unitFromZoom in, each unit grid has its own colour; farther out,
 * where a unit grid is a few pixels and most are zero, each base grid is shaded by the sum of its
 * unit grids (its own classes, cfg metric.base), so the overview shows where it hurts in patches one
 * can see, and a click there picks the base grid.
 *
 * Built once by widgets/map_page (folium makes the Leaflet map and the GeoJSON layers); driven by
 * widgets/grid_map.py through runJavaScript calls on window.gridMap, and reporting back through the
 * QWebChannel object "bridge" (ready, gridClicked, caseClicked, clusterClicked, flushApplied).
 *
 * Untrusted text (case numbers, titles) is only ever set with textContent: every DOM node this file
 * makes is built with createElement, never from an HTML string. Python sends it already passed
 * through console.core.untrusted.one_line (one line, no controls, right-to-left text isolated), and
 * the elements that show it isolate it again in CSS (unicode-bidi: isolate, grid_map.css).
 */
(function () {
  'use strict';

  const LIGHT_CLASS = { 0: 'none', 1: 'green', 2: 'yellow', 3: 'red' };

  // Where a street name may go, in multiples of its own height: on its point, then ever further from
  // it in half-height steps (nearest first; of two as near, the one below or above first).
  const LABEL_SPOTS = [];
  for (let dy = -3; dy <= 3; dy += 0.5) for (let dx = -3; dx <= 3; dx += 0.5) LABEL_SPOTS.push([dx, dy]);
  LABEL_SPOTS.sort((a, b) => Math.hypot(a[0], a[1]) - Math.hypot(b[0], b[1]) || Math.abs(a[0]) - Math.abs(b[0]));
  const box = (e) => { const r = e.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
  const shift = (r, dx, dy) => ({ left: r.left + dx, top: r.top + dy, right: r.right + dx, bottom: r.bottom + dy });
  const overlaps = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;

  /** Whether a point is inside a polygon layer's rings (Leaflet's nested latlng arrays; even-odd, so
      a hole is outside). */
  function inside(rings, p) {
    if (rings.length && !Array.isArray(rings[0])) {
      let odd = false;
      for (let i = 0, j = rings.length - 1; i < rings.length; j = i++) {
        const a = rings[i], b = rings[j];
        if ((a.lat > p.lat) !== (b.lat > p.lat) && p.lng < (b.lng - a.lng) * (p.lat - a.lat) / (b.lat - a.lat) + a.lng) {
          odd = !odd;
        }
      }
      return odd;
    }
    return rings.filter((ring) => inside(ring, p)).length % 2 === 1;
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function GridMapPage(cfg) {
    this.cfg = cfg;
    this.text = cfg.text; // the page's words, in the console's language (widgets/map_page.page_texts)
    this.map = cfg.map;
    this.bridge = null;
    this.units = new Map(); // code -> polygon layer
    this.streetLayers = new Map(); // street code -> polygon layer
    this.values = new Map(); // code -> value (absent = 0)
    this.baseOf = new Map(); // unit code -> its base grid's id
    this.baseUnits = new Map(); // base grid id -> its unit grids' layers
    this.baseLayers = new Map(); // base grid id -> its outline layer
    this.baseValues = new Map(); // base grid id -> the sum of its unit grids' values (absent = 0)
    this.level = 'unit'; // 'unit' or 'base': which grids the colours are of (by zoom)
    const none = { edges: [], colors: [cfg.theme.zero], labels: ['0'] };
    this.metric = Object.assign({ name: '', title: '', base: none }, none);
    this.classCounts = [];
    this.cases = new Map(); // no -> {no, lon, lat, light, title}
    this.caseMarkers = new Map(); // no -> marker, for the cases shown on their own
    this.cameras = new Map(); // id -> {id, lon, lat, online, name, grid}
    this.camerasInGrid = new Map(); // unit grid code -> how many cameras
    this.camerasForced = null; // null: shown from cfg.cameraZoom on; true/false: the operator's choice
    this.onWall = new Map(); // camera id -> its tile on the console's camera wall (1, 2, …)
    this.selectedGrid = null;
    this.selectedCase = null;
    this.autoFit = true;
    this.stats = { flushes: 0, lastFlushId: 0, lastValues: 0, valuesTotal: 0, lastUpserts: 0, lastRemovals: 0,
                   unknownCodes: 0, reclusters: 0, restyleMs: 0 };
    this._reclusterPending = false;
    this._popupCase = null;
    this._shownNo = null;
    this._build();
  }

  GridMapPage.prototype._build = function () {
    const cfg = this.cfg;
    const map = this.map;
    const theme = cfg.theme;
    document.body.classList.add('theme-' + cfg.themeName);
    map.attributionControl.setPrefix('Leaflet');
    map.attributionControl.addAttribution(cfg.attribution);

    cfg.units.eachLayer((layer) => {
      const p = layer.feature.properties;
      this.units.set(p.code, layer);
      this.baseOf.set(p.code, p.base_grid_id);
      if (!this.baseUnits.has(p.base_grid_id)) this.baseUnits.set(p.base_grid_id, []);
      this.baseUnits.get(p.base_grid_id).push(layer);
      layer.on('click', () => this._send('gridClicked', this.level === 'base' ? p.base_grid_id : p.code));
      layer.bindTooltip(() => this._gridTooltip(p), { sticky: true, className: 'grid-tooltip', direction: 'top' });
    });
    // base grids, streets and the outline are on their own canvas (pane gridLines, made by the builder)
    cfg.baseGrids.setStyle({ color: theme.base, weight: 1.2, opacity: 0.9, fill: false });
    cfg.baseGrids.eachLayer((layer) => this.baseLayers.set(layer.feature.properties.id, layer));
    this.level = this._levelAt(map.getZoom());
    cfg.streets.setStyle({ color: theme.street, weight: 2.4, opacity: 0.95, fill: false });
    cfg.streets.eachLayer((layer) => this.streetLayers.set(layer.feature.properties.code, layer));
    cfg.outline.setStyle({ color: theme.outline, weight: 3, opacity: 1, fill: false });

    // the selected grid: a blue outline drawn above every line
    map.createPane('gridSelection').style.zIndex = 430;
    map.getPane('gridSelection').style.pointerEvents = 'none';
    this.selection = L.layerGroup().addTo(map);

    map.createPane('gridLabels').style.zIndex = 450;
    map.getPane('gridLabels').style.pointerEvents = 'none';
    this.labels = L.layerGroup();
    for (const s of cfg.streetLabels) {  // each at its street's label point (the most inside one)
      const node = el('span', 'street-label-text', s.name);
      node.dataset.street = s.code;
      const icon = L.divIcon({ className: 'street-label', html: node, iconSize: null });
      L.marker([s.lat, s.lon], { icon: icon, pane: 'gridLabels', interactive: false, keyboard: false })
        .addTo(this.labels);
    }
    this.labels.addTo(map);

    this.cameraLayer = L.layerGroup();
    this.caseLayer = L.layerGroup().addTo(map);
    this.legend = this._makeLegend().addTo(map);
    this._rebuildLegend();
    this.wholeDistrict = this._makeWholeDistrict().addTo(map);

    map.on('zoomend moveend', () => this._scheduleRecluster());
    map.on('zoomend', () => this._followZoom());
    map.on('dragstart zoomstart', () => { if (!this._fitting) this.autoFit = false; });
    // a right-click: the nearest cameras of that point (the console puts them on its camera wall)
    map.on('contextmenu', (e) => this._send('pointPicked', JSON.stringify([e.latlng.lng, e.latlng.lat])));
    map.on('resize', () => { if (this.autoFit) this.fitDistrict(); });
    this._restyleAll();
    this.fitDistrict();
  };

  // ------------------------------------------------------------------ colours and styles
  function classIn(v, edges) {
    if (!(v > 0)) return 0;
    let k = 0;
    while (k < edges.length && v >= edges[k]) k++;
    return k + 1;
  }

  /** The classes on show: the unit grids' or, at the overview zoom, the base grids'. */
  GridMapPage.prototype._shown = function () {
    return this.level === 'base' ? this.metric.base : this.metric;
  };

  GridMapPage.prototype._levelAt = function (zoom) {
    return zoom < this.cfg.unitFromZoom ? 'base' : 'unit';
  };

  GridMapPage.prototype.classOf = function (v) {
    return classIn(v, this.metric.edges);
  };

  GridMapPage.prototype.colorOf = function (v) {
    return this.metric.colors[this.classOf(v)];
  };

  /** A unit grid's class as shown: its own, or its base grid's at the overview zoom. */
  GridMapPage.prototype._shownClass = function (code) {
    if (this.level === 'base') return classIn(this.baseValues.get(this.baseOf.get(code)) || 0, this.metric.base.edges);
    return this.classOf(this.values.get(code) || 0);
  };

  GridMapPage.prototype._unitStyle = function (code) {
    return {
      color: this.cfg.theme.unit,
      weight: 0.6,
      opacity: this.level === 'base' ? 0 : 1, // a base grid's patch is one colour: its own lines draw it
      fill: true,
      fillColor: this._shown().colors[this._shownClass(code)],
      fillOpacity: 0.92,
    };
  };

  GridMapPage.prototype._restyleAll = function () {
    const t0 = performance.now();
    this.classCounts = this._shown().colors.map(() => 0);
    for (const [code, layer] of this.units) {
      if (this.level === 'unit') this.classCounts[this._shownClass(code)] += 1;
      layer.setStyle(this._unitStyle(code));
    }
    if (this.level === 'base') {
      for (const id of this.baseUnits.keys()) this.classCounts[classIn(this.baseValues.get(id) || 0, this.metric.base.edges)] += 1;
    }
    this._updateLegendCounts();
    this.stats.restyleMs = performance.now() - t0;
  };

  /** The sums per base grid, from the unit grids' values. */
  GridMapPage.prototype._sumBases = function () {
    this.baseValues = new Map();
    for (const [code, v] of this.values) {
      const id = this.baseOf.get(code);
      if (id !== undefined) this.baseValues.set(id, (this.baseValues.get(id) || 0) + v);
    }
  };

  GridMapPage.prototype._followZoom = function () {
    const level = this._levelAt(this.map.getZoom());
    if (level === this.level) return;
    this.level = level;
    this._rebuildLegend();
    this._restyleAll();
  };

  // ------------------------------------------------------------------ Python -> page
  /** A new metric: its classes, colours, legend and every grid's value (absent = 0). */
  GridMapPage.prototype.setMetric = function (m) {
    this.metric = { name: m.name, title: m.title, edges: m.edges, colors: m.colors, labels: m.labels, base: m.base };
    this.values = new Map(Object.entries(m.values));
    this._sumBases();
    this._rebuildLegend();
    this._restyleAll();
    this.stats.lastValues = this.values.size;
    return this.values.size;
  };

  /** One flush: changed values and case upserts/removals; reports flushApplied(id) once drawn. */
  GridMapPage.prototype.apply = function (batch) {
    const t0 = performance.now();
    let n = 0;
    if (batch.values) {
      const bases = new Map(); // base grid id -> its class before this flush (the base level only)
      const baseClass = (id) => classIn(this.baseValues.get(id) || 0, this.metric.base.edges);
      for (const code in batch.values) {
        const layer = this.units.get(code);
        if (!layer) { this.stats.unknownCodes++; continue; }
        const v = batch.values[code];
        const old = this.values.get(code) || 0;
        const id = this.baseOf.get(code);
        if (this.level === 'base' && !bases.has(id)) bases.set(id, baseClass(id));
        const sum = (this.baseValues.get(id) || 0) - old + Math.max(v, 0);
        if (sum > 0) this.baseValues.set(id, sum); else this.baseValues.delete(id);
        if (v > 0) this.values.set(code, v); else this.values.delete(code);
        if (this.level === 'unit') {
          const before = this.classOf(old);
          const after = this.classOf(v);
          this.classCounts[before] -= 1;
          this.classCounts[after] += 1;
          layer.setStyle({ fillColor: this.metric.colors[after] });
        }
        n++;
      }
      for (const [id, before] of bases) { // each base grid touched: its class, and its unit grids' fill
        const after = baseClass(id);
        this.classCounts[before] -= 1;
        this.classCounts[after] += 1;
        for (const layer of this.baseUnits.get(id) || []) layer.setStyle({ fillColor: this.metric.base.colors[after] });
      }
      if (n) this._updateLegendCounts();
    }
    const upserts = batch.upserts || [];
    const removals = batch.removals || [];
    for (const c of upserts) this._putCase(c);
    for (const no of removals) this.cases.delete(no);
    if (upserts.length || removals.length) {
      this._scheduleRecluster();
      if (this._popupCase !== null) this._refreshPopup();
    }
    const s = this.stats;
    s.flushes++;
    s.lastFlushId = batch.id;
    s.lastValues = n;
    s.valuesTotal += n;
    s.lastUpserts = upserts.length;
    s.lastRemovals = removals.length;
    s.restyleMs = performance.now() - t0;
    // The canvas repaints in Leaflet's animation frame, queued by setStyle before this one.
    const id = batch.id;
    requestAnimationFrame(() => this._send('flushApplied', id));
    return n;
  };

  GridMapPage.prototype.setCases = function (list) {
    this.cases = new Map();
    for (const c of list) this._putCase(c);
    this._scheduleRecluster();
    if (this._popupCase !== null) this._refreshPopup();
    return this.cases.size;
  };

  GridMapPage.prototype._putCase = function (c) {
    // compact form from Python: [no, lon, lat, light, title, no as shown]; no is the key
    this.cases.set(String(c[0]), { no: String(c[0]), lon: +c[1], lat: +c[2], light: c[3] | 0, title: String(c[4]),
                                   label: c.length > 5 ? String(c[5]) : String(c[0]) });
  };

  /** Outline a unit grid, or a base grid (by its id; what a click at the overview zoom picks). */
  GridMapPage.prototype.selectGrid = function (code) {
    const layer = code !== null ? this.units.get(code) || this.baseLayers.get(code) : undefined;
    this.selectedGrid = layer ? code : null;
    this.selection.clearLayers();
    if (layer) {
      L.polygon(layer.getLatLngs(), {
        pane: 'gridSelection', interactive: false, fill: false,
        color: this.cfg.theme.selection, weight: 4, opacity: 1,
      }).addTo(this.selection);
    }
    return code === null || layer !== undefined;
  };

  GridMapPage.prototype.selectCase = function (no, reveal) {
    this.selectedCase = no;
    const c = no !== null ? this.cases.get(no) : undefined;
    if (c && reveal) {
      this.autoFit = false;
      this._fly(() => this.map.setView([c.lat, c.lon], Math.max(this.map.getZoom(), this.cfg.individualZoom),
                                       { animate: false }));
    }
    this._scheduleRecluster();
    return c !== undefined;
  };

  GridMapPage.prototype.fitStreet = function (code) {
    const layer = this.streetLayers.get(code);
    if (!layer) return false;
    this._fly(() => this.map.fitBounds(layer.getBounds(), { padding: [24, 24], animate: false }));
    this.autoFit = false;
    return true;
  };

  GridMapPage.prototype.fitDistrict = function () {
    this._fly(() => this.map.fitBounds(this.cfg.outline.getBounds(), { padding: [16, 16], animate: false }));
    this.autoFit = true;
    return true;
  };

  /** Move the view (not animated). Leaflet ignores setView/fitBounds while a zoom animation runs
   * (a wheel zoom, say), so then the move waits for that animation's zoomend. */
  GridMapPage.prototype._fly = function (move) {
    const run = () => {
      this._fitting = true;
      try { move(); } finally { this._fitting = false; }
    };
    if (this.map._animatingZoom) this.map.once('zoomend', run); else run();
  };

  /** The link is STALE: grids and case symbols dim (the legend and the controls stay as they are). */
  GridMapPage.prototype.setStale = function (on) {
    this.map.getContainer().classList.toggle('stale', !!on);
    return true;
  };

  GridMapPage.prototype.setLayerVisible = function (name, on) {
    const groups = { base_grids: [this.cfg.baseGrids], streets: [this.cfg.streets, this.labels] }[name];
    if (!groups) return false;
    for (const g of groups) {
      if (on && !this.map.hasLayer(g)) g.addTo(this.map);
      if (!on && this.map.hasLayer(g)) this.map.removeLayer(g);
    }
    // keep the drawing order on the lines' canvas: base grids, streets, the outline on top
    for (const g of [this.cfg.baseGrids, this.cfg.streets, this.cfg.outline]) {
      if (this.map.hasLayer(g)) g.bringToFront();
    }
    return true;
  };

  // ------------------------------------------------------------------ reading back (tests, diagnostics)
  GridMapPage.prototype.fillOf = function (code) {
    const layer = this.units.get(code);
    return layer ? layer.options.fillColor : null;
  };

  /** The selection outline as drawn: which grid's shape, in what colour. */
  GridMapPage.prototype.selectionDrawn = function () {
    const drawn = this.selection.getLayers();
    if (!drawn.length) return null;
    const outline = drawn[0];
    const sameShape = (code) => {
      const layer = this.units.get(code) || this.baseLayers.get(code);
      return !!layer && JSON.stringify(layer.getLatLngs()) === JSON.stringify(outline.getLatLngs());
    };
    return { grid: this.selectedGrid, sameShape: sameShape(this.selectedGrid), color: outline.options.color,
             pane: outline.options.pane, onMap: this.map.hasLayer(outline) };
  };

  GridMapPage.prototype.summary = function () {
    const visible = (g) => this.map.hasLayer(g);
    return {
      units: this.units.size,
      unitLayersOnMap: this.cfg.units.getLayers().filter((l) => this.map.hasLayer(l)).length,
      baseGrids: this.cfg.baseGrids.getLayers().length,
      streets: this.streetLayers.size,
      streetLabels: this.labels.getLayers().length,
      streetLabelsShown: this._labelNodes().filter((n) => n.style.visibility !== 'hidden').length,
      layers: { base_grids: visible(this.cfg.baseGrids), streets: visible(this.cfg.streets) },
      metric: this.metric.name,
      level: this.level,
      legendTitle: this.legendTitle.textContent,
      legendLevel: this.legendLevel.textContent,
      legendRows: this.legendRows.map((r) => [r.label.textContent, r.count.textContent]),
      cases: this.cases.size,
      caseMarkers: this.caseMarkers.size,
      clusters: this.caseLayer.getLayers().length - this.caseMarkers.size,
      selectedGrid: this.selectedGrid,
      selectedCase: this.selectedCase,
      zoom: this.map.getZoom(),
      renderer: this.map.options.preferCanvas ? 'canvas' : 'svg',
      stats: this.stats,
    };
  };

  // ------------------------------------------------------------------ cases: markers and clusters
  GridMapPage.prototype._scheduleRecluster = function () {
    if (this._reclusterPending) return;
    this._reclusterPending = true;
    requestAnimationFrame(() => { this._reclusterPending = false; this.recluster(); });
  };

  /** Grid clustering in screen space: the items in view (and a margin) by cells of cfg.clusterCell
      pixels, or each on its own from cfg.individualZoom on (or when ``alone`` says so). */
  GridMapPage.prototype._bucketsInView = function (items, idOf, alone) {
    const map = this.map;
    const zoom = map.getZoom();
    const cell = this.cfg.clusterCell;
    const single = zoom >= this.cfg.individualZoom;
    const view = map.getPixelBounds().pad(0.25);
    const buckets = new Map();
    for (const c of items) {
      const p = map.project([c.lat, c.lon], zoom);
      if (!view.contains(p)) continue;
      const key = single || (alone && alone(c)) ? 'id:' + idOf(c) : Math.floor(p.x / cell) + ':' + Math.floor(p.y / cell);
      const b = buckets.get(key);
      if (b) b.push(c); else buckets.set(key, [c]);
    }
    return buckets;
  };

  /** The cases' markers and clusters, in view only. */
  GridMapPage.prototype.recluster = function () {
    const buckets = this._bucketsInView(this.cases.values(), (c) => c.no);
    this.caseLayer.clearLayers();
    this.caseMarkers = new Map();
    for (const members of buckets.values()) {
      if (members.length === 1) {
        const marker = this._caseMarker(members[0]);
        this.caseMarkers.set(members[0].no, marker);
        marker.addTo(this.caseLayer);
      } else {
        this._clusterMarker(members).addTo(this.caseLayer);
      }
    }
    this.stats.reclusters++;
    this._drawCameras();
    this.placeLabels();
  };

  // ------------------------------------------------------------------ cameras: a layer of their own
  GridMapPage.prototype.setCameras = function (list) {
    this.cameras = new Map();
    for (const c of list) this._putCamera(c);
    this._countCameras();
    this._scheduleRecluster();
    return this.cameras.size;
  };

  GridMapPage.prototype.updateCameras = function (list) {
    for (const c of list) this._putCamera(c);
    this._countCameras();
    this._scheduleRecluster();
    return list.length;
  };

  /** The cameras on the console's wall, in tile order: numbered on the map, and never clustered away. */
  GridMapPage.prototype.setWallCameras = function (ids) {
    this.onWall = new Map();
    ids.forEach((id, i) => { if (id) this.onWall.set(String(id), i + 1); });
    this._scheduleRecluster();
    return this.onWall.size;
  };

  GridMapPage.prototype._putCamera = function (c) {
    // compact form from Python: [id, lon, lat, online, name (one line), unit grid or '']
    this.cameras.set(String(c[0]), { id: String(c[0]), lon: +c[1], lat: +c[2], online: !!c[3],
                                     name: String(c[4]), grid: String(c[5] || '') });
  };

  GridMapPage.prototype._countCameras = function () {
    this.camerasInGrid = new Map();
    for (const c of this.cameras.values()) {
      if (c.grid) this.camerasInGrid.set(c.grid, (this.camerasInGrid.get(c.grid) || 0) + 1);
    }
  };

  /** Whether the camera layer is on: the operator's choice, else from cfg.cameraZoom on. */
  GridMapPage.prototype.camerasShown = function () {
    return this.camerasForced !== null ? this.camerasForced : this.map.getZoom() >= this.cfg.cameraZoom;
  };

  GridMapPage.prototype.showCameras = function (on) {
    this.camerasForced = on === null ? null : !!on;
    this._scheduleRecluster();
    return this.camerasShown();
  };

  /** Camera symbols in view: clustered by cells of cfg.clusterCell pixels, one by one from cfg.individualZoom. */
  GridMapPage.prototype._drawCameras = function () {
    const map = this.map;
    this.cameraLayer.clearLayers();
    if (!this.camerasShown()) {
      if (map.hasLayer(this.cameraLayer)) map.removeLayer(this.cameraLayer);
      return;
    }
    if (!map.hasLayer(this.cameraLayer)) this.cameraLayer.addTo(map);
    // the wall's cameras keep their own symbols (their tile numbers), whatever the zoom
    const buckets = this._bucketsInView(this.cameras.values(), (c) => c.id, (c) => this.onWall.has(c.id));
    for (const members of buckets.values()) {
      (members.length === 1 ? this._cameraMarker(members[0]) : this._cameraCluster(members)).addTo(this.cameraLayer);
    }
  };

  GridMapPage.prototype._cameraMarker = function (c) {
    const tile = this.onWall.get(c.id);
    const icon = L.divIcon({ className: 'camera-marker ' + (c.online ? 'online' : 'offline') + (tile ? ' on-wall' : ''),
                             html: el('span', 'camera-shape', tile ? String(tile) : ''),
                             iconSize: tile ? [22, 22] : [16, 16] });
    const marker = L.marker([c.lat, c.lon], { icon: icon, keyboard: false, zIndexOffset: tile ? 500 : -500 });
    marker.bindTooltip(() => {
      const box = el('div', 'camera-tip');
      box.appendChild(el('div', 'camera-tip-name', c.name));
      box.appendChild(el('div', null, c.online ? this.text.cameraOnline : this.text.cameraOffline));
      if (c.online) box.appendChild(el('div', 'camera-tip-hint', this.text.cameraShow));
      return box;
    }, { direction: 'top', offset: [0, -8], className: 'case-tooltip' });
    marker.on('click', () => this._send('cameraClicked', c.id));
    return marker;
  };

  GridMapPage.prototype._cameraCluster = function (members) {
    let lat = 0, lon = 0, offline = 0;
    for (const c of members) { lat += c.lat; lon += c.lon; if (!c.online) offline++; }
    const n = members.length;
    const node = el('span', 'camera-cluster-body', String(n));
    const icon = L.divIcon({ className: 'camera-cluster' + (offline ? ' some-offline' : ''), html: node,
                             iconSize: [26, 20] });
    const marker = L.marker([lat / n, lon / n], { icon: icon, keyboard: false, zIndexOffset: -500 });
    marker.bindTooltip(() => {
      const box = el('div', 'camera-tip');
      box.appendChild(el('div', null, this.text.clusterCameras.replace('{n}', String(n))));
      if (offline) box.appendChild(el('div', null, this.text.camerasOffline.replace('{n}', String(offline))));
      return box;
    }, { direction: 'top', className: 'case-tooltip' });
    marker.on('click', () => {
      const bounds = L.latLngBounds(members.map((c) => [c.lat, c.lon]));
      this._fly(() => this.map.fitBounds(bounds.pad(0.2), { maxZoom: this.cfg.individualZoom, animate: false }));
      this.autoFit = false;
    });
    return marker;
  };

  GridMapPage.prototype.cameraSummary = function () {
    let markers = 0, clusters = 0;
    for (const l of this.cameraLayer.getLayers()) {
      if (l.options.icon.options.className.startsWith('camera-cluster')) clusters++; else markers++;
    }
    const numbered = this.cameraLayer.getLayers().filter((l) => l.options.icon.options.className.includes('on-wall'))
      .map((l) => l.getElement() ? l.getElement().textContent : '');
    return { shown: this.map.hasLayer(this.cameraLayer), markers: markers, clusters: clusters, held: this.cameras.size,
             onWall: numbered.sort() };
  };

  /** Street names never sit under a case symbol or another name, nor outside their street: each
      takes the first free spot around its street's label point whose middle is inside the street,
      in the district's order, or stays hidden at this zoom. */
  GridMapPage.prototype.placeLabels = function () {
    const taken = this.caseLayer.getLayers().map((l) => l.getElement()).filter(Boolean).map(box);
    for (const node of this._labelNodes()) {
      node.style.setProperty('--dx', '0px');
      node.style.setProperty('--dy', '0px');
      node.style.visibility = '';
      const home = box(node);
      const h = home.bottom - home.top + 2;
      const spot = LABEL_SPOTS.map(([dx, dy]) => [dx * h, dy * h]).find(([dx, dy]) => {
        const r = shift(home, dx, dy);
        return this._inStreet(node, r) && !taken.some((t) => overlaps(r, t));
      });
      if (spot === undefined) {
        node.style.visibility = 'hidden';
        continue;
      }
      node.style.setProperty('--dx', spot[0] + 'px');
      node.style.setProperty('--dy', spot[1] + 'px');
      taken.push(shift(home, spot[0], spot[1]));
    }
  };

  /** Whether the middle of a street name's box (client pixels) is inside the name's street. */
  GridMapPage.prototype._inStreet = function (node, r) {
    const street = this.streetLayers.get(node.dataset.street);
    const origin = this.map.getContainer().getBoundingClientRect();
    const middle = [(r.left + r.right) / 2 - origin.left, (r.top + r.bottom) / 2 - origin.top];
    return !street || inside(street.getLatLngs(), this.map.containerPointToLatLng(middle));
  };

  GridMapPage.prototype._labelNodes = function () {
    return this.labels.getLayers().map((m) => m.getElement()).filter(Boolean)
      .map((e) => e.firstChild).filter(Boolean);
  };

  /** Pairs of overlapping things among the shown street names and case symbols, and shown names
      whose middle is outside their street (read by tests). */
  GridMapPage.prototype.labelOverlaps = function () {
    const symbols = this.caseLayer.getLayers().map((l) => l.getElement()).filter(Boolean).map(box);
    const shown = this._labelNodes().filter((n) => n.style.visibility !== 'hidden');
    const names = shown.map(box);
    let n = 0;
    names.forEach((a, i) => {
      n += symbols.filter((b) => overlaps(a, b)).length;
      n += names.slice(i + 1).filter((b) => overlaps(a, b)).length;
    });
    const outside = shown.filter((node, i) => !this._inStreet(node, names[i])).length;
    return { overlaps: n, outside: outside, shown: names.length, hidden: this._labelNodes().length - names.length };
  };

  GridMapPage.prototype._caseMarker = function (c) {
    const selected = c.no === this.selectedCase;
    const node = el('span', 'case-shape');
    const icon = L.divIcon({
      className: 'case-marker light-' + LIGHT_CLASS[c.light] + (selected ? ' selected' : ''),
      html: node,
      iconSize: [22, 22],
    });
    const marker = L.marker([c.lat, c.lon], { icon: icon, keyboard: false, riseOnHover: true,
                                              zIndexOffset: selected ? 1000 : c.light * 100 });
    marker.bindTooltip(() => this._caseTooltip(c.no), { direction: 'top', offset: [0, -10], className: 'case-tooltip' });
    marker.on('click', () => {
      this.openCase(c.no);
      this._send('caseClicked', c.no);
    });
    return marker;
  };

  GridMapPage.prototype._clusterMarker = function (members) {
    let lat = 0, lon = 0, worst = 0, selected = false;
    const byLight = [0, 0, 0, 0];
    for (const c of members) {
      lat += c.lat; lon += c.lon;
      worst = Math.max(worst, c.light);
      byLight[c.light]++;
      if (c.no === this.selectedCase) selected = true;
    }
    const n = members.length;
    const node = el('span', 'cluster-body');
    node.appendChild(el('span', 'cluster-count', n.toLocaleString('en-US')));
    if (worst > 0) node.appendChild(el('span', 'cluster-badge light-' + LIGHT_CLASS[worst]));
    const size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 44 : 52;
    const icon = L.divIcon({
      className: 'case-cluster worst-' + LIGHT_CLASS[worst] + (selected ? ' selected' : ''),
      html: node,
      iconSize: [size, size],
    });
    const marker = L.marker([lat / n, lon / n], { icon: icon, keyboard: false, zIndexOffset: selected ? 1000 : worst * 100 });
    marker.bindTooltip(() => {
      const box = el('div', 'cluster-tip');
      box.appendChild(el('div', null, this.text.clusterCases.replace('{n}', n.toLocaleString('en-US'))));
      for (const k of [3, 2, 1]) {
        if (byLight[k]) box.appendChild(el('div', null, this.text.lights[k] + ' ' + byLight[k].toLocaleString('en-US')));
      }
      return box;
    }, { direction: 'top', className: 'case-tooltip' });
    marker.on('click', () => {
      const bounds = L.latLngBounds(members.map((c) => [c.lat, c.lon]));
      this._fly(() => this.map.fitBounds(bounds.pad(0.2), { maxZoom: this.cfg.individualZoom, animate: false }));
      this.autoFit = false;
      this._send('clusterClicked', JSON.stringify(members.map((c) => c.no)));  // the queue shows just these
    });
    return marker;
  };

  /** The "whole district" button under the zoom buttons: back to the district's outline. */
  GridMapPage.prototype._makeWholeDistrict = function () {
    const control = L.control({ position: 'topleft' });
    control.onAdd = () => {
      const bar = el('div', 'leaflet-bar whole-district');
      const button = el('a', null, this.text.wholeDistrict);
      button.href = '#';
      button.title = this.text.wholeDistrictTip;
      button.setAttribute('role', 'button');
      L.DomEvent.disableClickPropagation(bar);
      L.DomEvent.on(button, 'click', (ev) => { L.DomEvent.preventDefault(ev); this.fitDistrict(); });
      bar.appendChild(button);
      return bar;
    };
    return control;
  };

  GridMapPage.prototype._caseContent = function (no, withTitle) {
    const c = this.cases.get(no);
    const box = el('div', 'case-popup');
    if (!c) {
      box.appendChild(el('div', 'case-no', this._shownNo === null ? no : this._shownNo));
      box.appendChild(el('div', 'case-gone', this.text.caseGone));
      return box;
    }
    const head = el('div', 'case-head');
    head.appendChild(el('span', 'case-light light-' + LIGHT_CLASS[c.light], this.text.lights[c.light]));
    head.appendChild(el('span', 'case-no', c.label));
    box.appendChild(head);
    if (withTitle) box.appendChild(el('div', 'case-title', c.title));
    return box;
  };

  GridMapPage.prototype._caseTooltip = function (no) {
    return this._caseContent(no, true);
  };

  /** Open the case's popup (what a click on its marker does). */
  GridMapPage.prototype.openCase = function (no) {
    const c = this.cases.get(no);
    if (!c) return false;
    this._popupCase = no;
    this._shownNo = c.label; // kept for the popup of a case that then leaves the map
    if (!this.popup) {
      // minWidth: a long title (one line, up to 200 characters) reads across, not down a narrow column
      this.popup = L.popup({ maxWidth: 420, minWidth: 260, className: 'case-popup-wrap', offset: [0, -8] });
      this.map.on('popupclose', (e) => { if (e.popup === this.popup) this._popupCase = null; });
    }
    this.popup.setLatLng([c.lat, c.lon]).setContent(this._caseContent(no, true));
    if (!this.map.hasLayer(this.popup)) this.popup.openOn(this.map);
    return true;
  };

  GridMapPage.prototype._refreshPopup = function () {
    const c = this.cases.get(this._popupCase);
    if (c) this.popup.setLatLng([c.lat, c.lon]);
    this.popup.setContent(this._caseContent(this._popupCase, true));
  };

  GridMapPage.prototype.popupText = function () {
    const node = this.popup && this.map.hasLayer(this.popup) ? this.popup.getElement() : null;
    if (!node) return null;
    const content = node.querySelector('.leaflet-popup-content');
    return { text: content.textContent, elements: Array.from(content.querySelectorAll('*')).map((n) => n.tagName) };
  };

  // ------------------------------------------------------------------ grid tooltip and legend
  GridMapPage.prototype._gridTooltip = function (p) {
    const box = el('div', 'grid-tip');
    const v = this.values.get(p.code) || 0;
    box.appendChild(el('div', 'grid-tip-code', p.code));
    box.appendChild(el('div', null, (this.cfg.streetNames[p.street_code] || p.street_code) + ' · ' + p.base_grid_id));
    if (this.metric.title) box.appendChild(el('div', 'grid-tip-value', this.metric.title + ': ' + formatNumber(v)));
    const cameras = this.camerasInGrid.get(p.code);
    if (cameras) box.appendChild(el('div', null, this.text.gridCameras.replace('{n}', String(cameras))));
    if (this.metric.title && this.level === 'base') {
      const sum = this.baseValues.get(p.base_grid_id) || 0;
      box.appendChild(el('div', 'grid-tip-value', this.text.baseGridSum.replace('{n}', formatNumber(sum))));
    }
    return box;
  };

  GridMapPage.prototype._makeLegend = function () {
    const control = L.control({ position: 'topright' });
    control.onAdd = () => {
      const box = el('div', 'map-legend');
      L.DomEvent.disableClickPropagation(box);
      this.legendTitle = el('div', 'legend-title', '');
      box.appendChild(this.legendTitle);
      this.legendLevel = el('div', 'legend-level', ''); // which grids the colours are of
      box.appendChild(this.legendLevel);
      this.legendTable = el('div', 'legend-rows');
      box.appendChild(this.legendTable);
      const key = el('div', 'legend-cases');
      for (const k of [3, 2, 1]) {
        const row = el('div', 'legend-case');
        const sym = el('span', 'case-marker legend-sym light-' + LIGHT_CLASS[k]);
        sym.appendChild(el('span', 'case-shape'));
        row.appendChild(sym);
        row.appendChild(el('span', null, this.text.lightCases[k]));
        key.appendChild(row);
      }
      const row = el('div', 'legend-case');
      const sym = el('span', 'case-cluster legend-sym worst-none');
      sym.appendChild(el('span', 'cluster-body', 'n'));
      row.appendChild(sym);
      row.appendChild(el('span', null, this.text.cluster));
      key.appendChild(row);
      box.appendChild(key);
      this.legendRows = [];
      return box;
    };
    return control;
  };

  GridMapPage.prototype._rebuildLegend = function () {
    const shown = this._shown();
    this.legendTitle.textContent = this.metric.title;
    this.legendLevel.textContent = this.level === 'base' ? this.text.byBaseGrid : this.text.byUnitGrid;
    this.legendTable.replaceChildren();
    this.legendRows = [];
    for (let k = shown.colors.length - 1; k >= 0; k--) {
      const row = el('div', 'legend-row');
      const swatch = el('span', 'legend-swatch');
      swatch.style.background = shown.colors[k];
      const label = el('span', 'legend-label', shown.labels[k]);
      const count = el('span', 'legend-count', '');
      row.append(swatch, label, count);
      this.legendTable.appendChild(row);
      this.legendRows.push({ label: label, count: count, k: k });
    }
  };

  GridMapPage.prototype._updateLegendCounts = function () {
    for (const r of this.legendRows) r.count.textContent = this.text.gridCount.replace('{n}', (this.classCounts[r.k] || 0).toLocaleString('en-US'));
  };

  function formatNumber(v) {
    return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  }

  // ------------------------------------------------------------------ page -> Python
  GridMapPage.prototype._send = function (name, arg) {
    if (this.bridge) this.bridge[name](arg);
  };

  window.GridMapPage = GridMapPage;

  /** Called by the page builder's init script once folium has made the map and layers. */
  window.startGridMap = function (cfg) {
    const page = new GridMapPage(cfg);
    window.gridMap = page;
    const connect = () => {
      new QWebChannel(qt.webChannelTransport, (channel) => {
        page.bridge = channel.objects.bridge;
        page.bridge.ready(JSON.stringify({ units: page.units.size }));
      });
    };
    if (typeof QWebChannel !== 'undefined' && typeof qt !== 'undefined') connect();
    else window.gridMapChannelMissing = true; // opened outside Qt (a browser): the map still shows
    return page;
  };
})();
