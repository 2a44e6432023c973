// The map: Seoul's 25 districts and their neighbourhoods from the real boundary polygons, as SVG
// (no tiles, no internet). The city view colours districts by the screen's measure; with a
// district selected and zoomed in, the map shows that district's neighbourhoods and a small city
// inset to pick another district. Markers (incidents, hospitals, CCTV) sit on top.
"use strict";

const SCPM_MAP = (() => {
  let geo = null;
  let project = null;   // [lon, lat] -> [x, y] in a 1000-wide box
  let size = [1000, 1000];

  function setGeo(g) {
    geo = g;
    const all = geo.districts.flatMap((d) => d.boundary.flat(2));
    const lons = all.map((p) => p[0]), lats = all.map((p) => p[1]);
    const [x0, x1, y0, y1] = [Math.min(...lons), Math.max(...lons), Math.min(...lats), Math.max(...lats)];
    const k = Math.cos((y0 + y1) / 2 * Math.PI / 180);
    const scale = 1000 / Math.max((x1 - x0) * k, y1 - y0);
    size = [(x1 - x0) * k * scale, (y1 - y0) * scale];
    project = (p) => [(p[0] - x0) * k * scale, (y1 - p[1]) * scale];
  }

  const pathOf = (multi) => multi.map((poly) => poly.map((ring) =>
    "M" + ring.map((p) => project(p).map((v) => v.toFixed(1)).join(",")).join("L") + "Z").join("")).join("");

  function bbox(multi) {
    const pts = multi.flat(2).map(project);
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }

  // opts: { district, zoom, fill(code) -> colour, label(code) -> text, markers: [{lonlat, kind, title}],
  //         onDistrict(code), lang }
  function draw(svg, inset, opts) {
    if (!geo) return;
    const zoomed = opts.district && opts.zoom >= 1;
    let view = [0, 0, size[0], size[1]];
    if (zoomed) {
      const d = geo.districts.find((x) => x.code === opts.district);
      if (d) {
        const [a, b, c, e] = bbox(d.boundary);
        const grow = 1.15 / Math.pow(1.5, Math.max(0, opts.zoom - 1));
        const [cx, cy, w, h] = [(a + c) / 2, (b + e) / 2, (c - a) * grow, (e - b) * grow];
        const side = Math.max(w, h * size[0] / size[1]);
        view = [cx - side / 2, cy - side * size[1] / size[0] / 2, side, side * size[1] / size[0]];
      }
    } else if (opts.zoom >= 1) {
      const f = 1 / Math.pow(1.5, opts.zoom);
      view = [size[0] * (1 - f) / 2, size[1] * (1 - f) / 2, size[0] * f, size[1] * f];
    }
    // A fist dragged across the wall moves the map with the hand (display.pan, wall fractions).
    const pan = (SCPM.state.display && SCPM.state.display.pan) || [0, 0];
    view = [view[0] - pan[0] * view[2], view[1] - pan[1] * view[3], view[2], view[3]];
    svg.setAttribute("viewBox", view.map((v) => v.toFixed(1)).join(" "));
    const unit = view[2] / 1000;   // keeps strokes and labels the same size on screen
    // A district is picked by a click, a touch, or — from the keyboard — Enter or Space.
    const pickable = (el) => {
      el.addEventListener("click", () => opts.onDistrict(el.dataset.code));
      el.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); opts.onDistrict(el.dataset.code); }
      });
    };
    const parts = [];
    for (const d of geo.districts) {
      const selected = opts.district === d.code;
      const dim = zoomed && !selected ? " dim" : "";
      parts.push(`<path class="district${selected ? " selected" : ""}${dim}" data-code="${d.code}" data-point="district:${d.code}" tabindex="0" role="button" aria-label="${SCPM.esc(SCPM.districtName(d.code))}" d="${pathOf(d.boundary)}" ` +
        `fill="${opts.fill(d.code)}" stroke-width="${(selected ? 3 : 0.8) * unit}"><title>${SCPM.esc(d.name_ko)} ${SCPM.esc(d.name_en)}</title></path>`);
    }
    if (zoomed) {
      for (const n of geo.neighbourhoods.filter((x) => x.district === opts.district)) {
        parts.push(`<path class="neighbourhood" data-code="${n.code}" data-point="district:${n.district}" d="${pathOf(n.boundary)}" stroke-width="${0.6 * unit}"><title>${SCPM.esc(SCPM.state.lang === "ko" ? n.name_ko : n.name_en || n.name_ko)}</title></path>`);
      }
      for (const n of geo.neighbourhoods.filter((x) => x.district === opts.district)) {
        const [x, y] = project(n.centroid);
        parts.push(`<text class="label small" x="${x.toFixed(1)}" y="${y.toFixed(1)}" font-size="${15 * unit}" stroke-width="${3 * unit}">${SCPM.esc(SCPM.state.lang === "ko" ? n.name_ko : n.name_en || n.name_ko)}</text>`);
      }
    }
    for (const d of geo.districts) {
      if (zoomed && d.code !== opts.district) continue;
      const [x, y] = project(d.centroid);
      const text = opts.label(d.code);
      parts.push(`<text class="label" x="${x.toFixed(1)}" y="${(y - (zoomed ? 40 * unit : 0)).toFixed(1)}" font-size="${(zoomed ? 26 : 13) * unit}" stroke-width="${2.5 * unit}">${SCPM.esc(text)}</text>`);
    }
    for (const m of opts.markers || []) {
      const [x, y] = project(m.lonlat);
      const r = (m.kind === "incident" ? 7 : 5) * unit;
      const shape = m.kind === "cctv"
        ? `<rect x="${x - r}" y="${y - r}" width="${2 * r}" height="${2 * r}"`
        : `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}"`;
      parts.push(`${shape} class="marker ${m.kind}${m.focus ? " focus" : ""}" stroke-width="${1.5 * unit}"><title>${SCPM.esc(m.title)}</title>${m.kind === "cctv" ? "</rect>" : "</circle>"}`);
    }
    svg.innerHTML = parts.join("");
    svg.querySelectorAll(".district").forEach(pickable);

    inset.style.display = zoomed ? "block" : "none";
    if (zoomed) {
      inset.setAttribute("viewBox", `0 0 ${size[0].toFixed(0)} ${size[1].toFixed(0)}`);
      inset.innerHTML = geo.districts.map((d) =>
        `<path class="district${d.code === opts.district ? " selected" : ""}" data-code="${d.code}" tabindex="0" role="button" aria-label="${SCPM.esc(SCPM.districtName(d.code))}" d="${pathOf(d.boundary)}" fill="${opts.fill(d.code)}"><title>${SCPM.esc(d.name_ko)}</title></path>`).join("");
      inset.querySelectorAll(".district").forEach(pickable);
    }
  }

  return { setGeo, draw, ready: () => geo != null };
})();
