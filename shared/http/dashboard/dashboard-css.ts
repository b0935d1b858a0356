// The dashboard's stylesheet, served as an asset (a strict Content-Security-Policy allows no
// inline style). One column on a phone, a grid from tablet width up.
export const DASHBOARD_CSS = `
:root {
  --ink: #17202c; --muted: #5b6675; --line: #dfe4ea; --page: #f3f5f8; --panel: #ffffff;
  --brand: #123a63; --brand-ink: #ffffff; --accent: #2f6fb2;
  --good: #1f7a4d; --warn: #a65f00; --bad: #b3261e;
  --critical: #b3261e; --moderate: #c77700; --minimal: #2f6fb2;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--page); color: var(--ink); font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "PingFang SC", "Microsoft YaHei", sans-serif; }
h1, h2, h3 { margin: 0; font-weight: 650; letter-spacing: -0.01em; }
h1 { font-size: 1.35rem; }
h2 { font-size: 1.05rem; display: flex; align-items: center; gap: 0.5rem; }
h3 { font-size: 0.85rem; margin: 0.9rem 0 0.3rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.04em; }
code { font: 0.85em/1.3 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; word-break: break-all; }
.top { background: var(--brand); color: var(--brand-ink); padding: 1rem 1rem 0.9rem; display: flex; flex-wrap: wrap; gap: 0.75rem 1.5rem; align-items: flex-end; justify-content: space-between; }
.top .meta { margin: 0.25rem 0 0; font-size: 0.85rem; opacity: 0.85; }
.windows { display: flex; flex-wrap: wrap; gap: 0.25rem; background: rgba(255, 255, 255, 0.12); border-radius: 999px; padding: 0.2rem; }
.window-link { color: var(--brand-ink); text-decoration: none; font-size: 0.85rem; padding: 0.3rem 0.75rem; border-radius: 999px; white-space: nowrap; }
.window-link:hover, .window-link:focus-visible { background: rgba(255, 255, 255, 0.18); }
.window-link[aria-current="page"] { background: var(--brand-ink); color: var(--brand); font-weight: 600; }
main { padding: 1rem; display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); max-width: 1400px; margin: 0 auto; }
.empty-banner { margin: 0; padding: 0.75rem 1rem; border-radius: 10px; background: #e8eef6; color: var(--brand); font-weight: 600; }
.tiles { display: grid; gap: 0.75rem; grid-template-columns: repeat(2, minmax(0, 1fr)); }
.tile { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 0.75rem 0.85rem; display: flex; flex-direction: column; gap: 0.15rem; min-width: 0; border-top: 4px solid var(--accent); }
.tile-good { border-top-color: var(--good); }
.tile-warn { border-top-color: var(--warn); }
.tile-bad { border-top-color: var(--bad); }
.tile-label { font-size: 0.8rem; color: var(--muted); font-weight: 600; }
.tile-value { font-size: 1.7rem; font-weight: 700; line-height: 1.15; font-variant-numeric: tabular-nums; }
.tile-bad .tile-value { color: var(--bad); }
.tile-sub { font-size: 0.78rem; color: var(--muted); overflow-wrap: anywhere; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; min-width: 0; }
.panel .note { margin: 0.2rem 0 0.75rem; font-size: 0.82rem; color: var(--muted); }
.count { font-size: 0.8rem; background: var(--page); border: 1px solid var(--line); border-radius: 999px; padding: 0 0.5rem; font-weight: 600; }
.chart { position: relative; height: 240px; }
.chart-tall { height: 280px; }
.chart-medium { height: 240px; margin-bottom: 0.75rem; }
.empty { margin: 0.5rem 0; padding: 1rem; text-align: center; color: var(--muted); background: var(--page); border-radius: 8px; }
.table-wrap { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 0.85rem; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: 0.4rem 0.5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 0.75rem; color: var(--muted); text-transform: uppercase; letter-spacing: 0.03em; }
.num { text-align: right; white-space: nowrap; }
td.id { max-width: 16rem; }
td.id .state { display: block; font-size: 0.75rem; color: var(--muted); }
td.id .state-still-waiting { color: var(--bad); font-weight: 600; }
.of { color: var(--muted); font-size: 0.8rem; }
@media (max-width: 519px) {
  .wide-only { display: none; }
  th, td { padding: 0.4rem 0.3rem; }
}
.sev { display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0 0.45rem; border-radius: 999px; color: #fff; }
.sev-critical { background: var(--critical); }
.sev-moderate { background: var(--moderate); }
.sev-minimal { background: var(--minimal); }
.more { margin: 0.5rem 0 0; font-size: 0.85rem; color: var(--muted); }
ul.counts { list-style: none; margin: 0; padding: 0; }
ul.counts li { display: flex; justify-content: space-between; gap: 1rem; padding: 0.35rem 0; border-bottom: 1px solid var(--line); font-size: 0.88rem; }
ul.counts li span:first-child { overflow-wrap: anywhere; }
details { margin-top: 0.5rem; font-size: 0.88rem; }
summary { cursor: pointer; color: var(--accent); }
@media (min-width: 700px) {
  .tiles { grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); }
  main { grid-template-columns: repeat(2, minmax(0, 1fr)); padding: 1.25rem; }
  main > .tiles, main > .empty-banner, .panel-wide { grid-column: 1 / -1; }
  .top { padding: 1.1rem 1.25rem; }
  .chart-tall { height: 320px; }
}
@media (min-width: 1200px) {
  .tiles { grid-template-columns: repeat(7, minmax(0, 1fr)); }
}
`;
