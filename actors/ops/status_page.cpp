// The status page of the HTTP endpoint (actors/ops/http_endpoint.hpp). Its
// script renders /status.json with DOM text nodes only: leader addresses
// and component names come from peers and must never become markup.

#include "caf_ha/actors/ops/status_page.hpp"

namespace ha::ops {

const std::string& status_page_html() {
  static const std::string page = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>caf-ha status</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
h2 { font-size: 1.05em; margin: 1.4em 0 .4em; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: .2em .9em .2em 0; border-bottom: 1px solid #ddd; }
th { font-weight: 600; }
.none { color: #b00; font-weight: 600; }
.lost { color: #b00; }
#error { color: #b00; font-weight: 600; }
#facts td:first-child { color: #666; }
</style>
</head>
<body>
<h1>caf-ha <span id="cluster"></span></h1>
<div id="error"></div>
<table id="facts"><tbody></tbody></table>
<h2>Components</h2>
<table id="components">
<thead><tr><th>component</th><th>leader</th><th>epoch</th><th>since</th><th>contenders</th><th>listeners</th></tr></thead>
<tbody></tbody>
</table>
<h2>Last leader changes</h2>
<table id="changes">
<thead><tr><th>when</th><th>component</th><th>leader</th><th>epoch</th><th>cause</th><th>without a leader</th></tr></thead>
<tbody></tbody>
</table>
<p id="updated"></p>
<script>
"use strict";
function when(ms) {
  return ms > 0 ? new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC") : "-";
}
function span(ms) {
  let s = Math.floor(Math.max(ms, 0) / 1000), out = [];
  for (const [n, u] of [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]]) {
    const v = Math.floor(s / n); s -= v * n;
    if (v > 0 || out.length || u === "s") out.push(v + u);
  }
  return out.join(" ");
}
function row(cells, cls) {
  const tr = document.createElement("tr");
  for (const [text, c] of cells) {
    const td = document.createElement("td");
    td.textContent = String(text);
    if (c) td.className = c;
    tr.appendChild(td);
  }
  if (cls) tr.className = cls;
  return tr;
}
function fill(id, rows) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren(...rows);
}
function render(s) {
  document.getElementById("cluster").textContent = "cluster " + s.cluster_id + " (" + s.mode + ")";
  const n = s.node, j = s.jobs;
  fill("facts", [
    row([["node"], ["caf-ha " + n.version + ", up " + span(n.uptime_ms) + " since " + when(n.started_ms)]]),
    row([["jobs"], [j.graphs + " graphs, " + j.running + " running, results " + j.dirty_results + " dirty / " + j.clean_results + " clean, " + j.checkpoints + " checkpoints"]]),
    row([["blobs"], [n.blob_bytes_in + " bytes in, " + n.blob_bytes_out + " bytes out"]]),
  ]);
  fill("components", s.components.map(c => row([
    [c.name], c.leader ? [c.leader] : ["no leader", "none"], [c.leader ? c.epoch : "-"],
    [when(c.since_ms)], [c.contenders], [c.listeners]])));
  fill("changes", s.changes.slice().reverse().map(c => row([
    [when(c.at_ms)], [c.component], c.leader ? [c.leader] : ["lost", "lost"],
    [c.epoch], [c.cause || "-"], [c.leader && c.cause ? c.leaderless_ms + " ms" : "-"]])));
  document.getElementById("updated").textContent = "updated " + when(n.now_ms);
}
async function refresh() {
  try {
    const res = await fetch("status.json", {cache: "no-store"});
    if (!res.ok) throw new Error((await res.text()).trim() || res.statusText);
    render(await res.json());
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = "cannot read the status: " + e.message;
  }
}
refresh();
setInterval(refresh, 2000);
</script>
</body>
</html>
)html";
  return page;
}

} // namespace ha::ops
