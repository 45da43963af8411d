// Two small SVG charts for the last hour: bars of checkouts per minute, an area of the backlog,
// each with a value scale on the left and clock times along the bottom.
// Drawn by hand (a few dozen lines) rather than with a library: nothing to vendor, no CDN.
// The drawing uses the chart's own size in pixels as its coordinates, so that its labels are
// never stretched; the wallboard draws again when the screen changes size.
import {formatClock} from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
const LEFT = 44;     // room for the scale's labels
const BOTTOM = 20;   // and for the times
const TOP = 8;
const RIGHT = 22;    // half a time label, so the last one is not cut off
const STEPS = 4;     // the scale's intervals: 0, ¼, ½, ¾, all
const TIME_MARKS = [0, 0.25, 0.5, 0.75, 1];  // where along the hour a time is written

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// A step of 1, 2 or 5 times a power of ten, so that STEPS of them reach the largest value and
// every label on the scale is a whole, round number.
function niceStep(value) {
  const rough = Math.max(1, value / STEPS);
  const power = 10 ** Math.floor(Math.log10(rough));
  return [1, 2, 5, 10].map((m) => m * power).find((step) => step >= rough);
}

// The frame: the scale's lines and labels, the time labels; answers where a value and an
// index go.
function frame(svg, values, times, timeZone) {
  const width = Math.max(svg.clientWidth, LEFT + RIGHT + 10);
  const height = Math.max(svg.clientHeight, TOP + BOTTOM + 10);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const step = niceStep(Math.max(0, ...values));
  const top = step * STEPS;
  const y = (value) => height - BOTTOM - (value / top) * (height - BOTTOM - TOP);
  const x = (fraction) => LEFT + fraction * (width - LEFT - RIGHT);
  const parts = [];
  for (let i = 0; i <= STEPS; i++) {
    const at = y(i * step);
    parts.push(element("line", {x1: LEFT, y1: at, x2: width - RIGHT, y2: at,
                                class: i ? "grid" : "axis"}));
    parts.push(element("text", {x: LEFT - 6, y: at + 4, "text-anchor": "end", class: "scale"},
                       String(i * step)));
  }
  for (const mark of times.length ? TIME_MARKS : []) {
    const index = Math.round(mark * (times.length - 1));
    const at = x(index / Math.max(times.length - 1, 1));
    parts.push(element("line", {x1: at, y1: height - BOTTOM, x2: at, y2: height - BOTTOM + 4,
                                class: "tick"}));
    parts.push(element("text", {x: at, y: height - 4, "text-anchor": "middle", class: "time"},
                       formatClock(times[index], timeZone)));
  }
  svg.replaceChildren(...parts);
  return {x, y, base: y(0)};
}

// `points`: the history's minutes, oldest first, each {minute, checkouts, pending}.
export function drawBars(svg, points, timeZone) {
  const values = points.map((p) => p.checkouts);
  const {x, y, base} = frame(svg, values, points.map((p) => p.minute), timeZone);
  const slot = (x(1) - x(0)) / Math.max(values.length, 1);
  values.forEach((value, i) => {
    if (value > 0) {
      // Bar i is centred on its minute's place on the time axis.
      const centre = x(i / Math.max(values.length - 1, 1));
      svg.append(element("rect", {x: centre - slot / 2 + 0.5, y: y(value),
                                  width: Math.max(slot - 1, 1), height: base - y(value),
                                  class: "bar"}));
    }
  });
  svg.dataset.total = String(values.reduce((a, b) => a + b, 0));
}

export function drawArea(svg, points, timeZone) {
  const values = points.map((p) => p.pending);
  const {x, y, base} = frame(svg, values, points.map((p) => p.minute), timeZone);
  const last = Math.max(values.length - 1, 1);
  const line = values.map((value, i) => `${x(i / last).toFixed(1)},${y(value).toFixed(1)}`);
  svg.append(element("polygon", {points: `${x(0)},${base} ${line.join(" ")} ${x(1)},${base}`,
                                 class: "area"}));
  svg.append(element("polyline", {points: line.join(" "), class: "line"}));
  svg.dataset.last = String(values.at(-1) ?? 0);
}
