// The report's stylesheet, inlined into the page (no fonts or files fetched: the
// page is opened from disk, in CI artifacts, offline).
export const STYLE = `
:root { color-scheme: light; --fg: #0f172a; --muted: #64748b; --line: #e2e8f0; --ok: #15803d; --bad: #b91c1c; --warn: #b45309; }
* { box-sizing: border-box; }
body { margin: 0; padding: 24px 32px 48px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #f8fafc; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 10px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
.sub { color: var(--muted); margin-bottom: 16px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 12px 18px 16px; margin-top: 16px; overflow-x: auto; }
section h2 { margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 10px 4px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre { white-space: pre-wrap; word-break: break-word; margin: 6px 0; background: #f1f5f9; padding: 8px 10px; border-radius: 6px; }
.outcome { border-left: 6px solid var(--muted); }
.outcome.ok { border-left-color: var(--ok); }
.outcome.failed { border-left-color: var(--bad); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: white; background: var(--muted); }
.badge.ok { background: var(--ok); }
.badge.failed { background: var(--bad); }
.hint { color: var(--warn); }
.meta th { width: 140px; text-transform: none; font-size: 13px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px; vertical-align: -1px; }
svg text { font: 12px system-ui, sans-serif; fill: var(--fg); }
svg .tick { fill: var(--muted); font-size: 11px; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .batch-sep { stroke: #cbd5e1; stroke-dasharray: 3 3; }
svg .limit { fill: none; stroke: var(--bad); stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .limit-label { fill: var(--bad); font-size: 11px; }
svg .slow-band { fill: #fef3c7; }
svg .busy.slow { fill: var(--warn); font-weight: 700; }
svg rect.failed { stroke: var(--bad); stroke-width: 2; }
svg rect.open { opacity: .5; }
tr.slow td { background: #fef3c7; }
.problems li { margin: 2px 0; white-space: pre-wrap; }
.problems .error { color: var(--bad); }
.problems .warn { color: var(--warn); }
.empty { color: var(--muted); font-style: italic; }
`;
