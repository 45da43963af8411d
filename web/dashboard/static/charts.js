// Two small SVG charts for the last hour: bars of checkouts per minute, an area of the backlog.
// Drawn by hand (a few dozen lines) rather than with a library: nothing to vendor, no CDN.
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 600;
const HEIGHT = 160;
const TOP = 24;  // room for the scale's label

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = text;
  return node;
}

// A round number at or above the largest value, so the scale reads at a glance.
function niceCeiling(value) {
  if (value <= 4) return 4;
  const step = 10 ** Math.floor(Math.log10(value));
  return Math.ceil(value / step) * step;
}

function frame(svg, values, unit) {
  const top = niceCeiling(Math.max(0, ...values));
  svg.replaceChildren(
    element("line", {x1: 0, y1: TOP, x2: WIDTH, y2: TOP, class: "grid"}),
    element("line", {x1: 0, y1: HEIGHT, x2: WIDTH, y2: HEIGHT, class: "axis"}),
    element("text", {x: 4, y: 16, class: "scale"}, `${top} ${unit}`),
  );
  return (value) => HEIGHT - (value / top) * (HEIGHT - TOP);
}

export function drawBars(svg, values) {
  const y = frame(svg, values, "per min");
  const width = WIDTH / Math.max(values.length, 1);
  values.forEach((value, i) => {
    if (value > 0) {
      svg.append(element("rect", {x: i * width + 1, y: y(value), width: Math.max(width - 2, 1),
                                  height: HEIGHT - y(value), class: "bar"}));
    }
  });
  svg.dataset.total = String(values.reduce((a, b) => a + b, 0));
}

export function drawArea(svg, values) {
  const y = frame(svg, values, "waiting");
  const step = WIDTH / Math.max(values.length - 1, 1);
  const points = values.map((value, i) => `${(i * step).toFixed(1)},${y(value).toFixed(1)}`);
  svg.append(element("polygon", {points: `0,${HEIGHT} ${points.join(" ")} ${WIDTH},${HEIGHT}`,
                                 class: "area"}));
  svg.append(element("polyline", {points: points.join(" "), class: "line"}));
  svg.dataset.last = String(values.at(-1) ?? 0);
}
