import { createHash } from 'node:crypto';

/**
 * The one stylesheet of the pages, served by the app itself at STYLESHEET_PATH (the CSP allows no
 * other origin and no inline styles). Kept in a module rather than a .css file so the TypeScript
 * build ships it with the code. Colours meet WCAG AA contrast on their backgrounds; every control
 * shows a focus ring.
 */
export const SITE_CSS = `
:root {
  --ink: #1b1f24;
  --muted: #4a5560;
  --line: #d5dae0;
  --paper: #ffffff;
  --page: #f3f5f8;
  --brand: #0b57a4;
  --brand-dark: #08457f;
  --focus: #b3470c;
  --ok-bg: #e3f3e8; --ok-ink: #165a2b;
  --wait-bg: #fff1d6; --wait-ink: #7a4300;
  --warn-bg: #fde7e4; --warn-ink: #9b1c12;
  --off-bg: #e9ecf0; --off-ink: #39424c;
}
* { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0; background: var(--page); color: var(--ink);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
  line-height: 1.5;
}
a { color: var(--brand); text-underline-offset: 2px; }
a:hover { color: var(--brand-dark); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip-link { position: absolute; left: -999px; top: 0; background: var(--paper); padding: .5rem 1rem; z-index: 10; }
.skip-link:focus { left: 1rem; top: .5rem; }

.site-header { background: var(--paper); border-bottom: 1px solid var(--line); }
.site-header .bar {
  max-width: 60rem; margin: 0 auto; padding: .75rem 1.25rem;
  display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; justify-content: space-between;
}
.brand { display: inline-flex; align-items: center; gap: .6rem; font-weight: 700; font-size: 1.125rem; color: var(--ink); text-decoration: none; }
.brand-mark {
  display: inline-block; width: 1.6rem; height: 1.6rem; border-radius: .4rem;
  background: linear-gradient(135deg, var(--brand) 0 50%, #2f8f6b 50% 100%);
}
.account { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; font-size: .95rem; }
.account .who { color: var(--muted); }
.account .who strong { color: var(--ink); }

main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.875rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin: 0 0 .75rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
p { margin: 0 0 .9rem; }
.lead { font-size: 1.125rem; color: var(--muted); max-width: 44rem; }
.muted { color: var(--muted); }
.small { font-size: .9rem; }

.card { background: var(--paper); border: 1px solid var(--line); border-radius: .6rem; padding: 1.25rem 1.5rem; margin: 0 0 1.25rem; }
.card > :last-child { margin-bottom: 0; }
.grid { display: grid; gap: 1.25rem; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); margin-bottom: 1.25rem; }
.grid .card { margin: 0; }
.steps { padding-left: 1.25rem; margin: 0 0 .5rem; }
.steps li { margin: .35rem 0; }

.actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: 1rem 0 1.75rem; }
.actions form { margin: 0; }
.button {
  display: inline-block; border: 2px solid var(--brand); border-radius: .45rem;
  background: var(--brand); color: #fff; font: inherit; font-weight: 600; line-height: 1.25;
  padding: .6rem 1.1rem; text-decoration: none; cursor: pointer;
}
.button:hover { background: var(--brand-dark); border-color: var(--brand-dark); color: #fff; }
.button.secondary { background: var(--paper); color: var(--brand); }
.button.secondary:hover { background: #eaf1fa; color: var(--brand-dark); }
.button.danger { background: #a8200d; border-color: #a8200d; }
.button.danger:hover { background: #861a0a; border-color: #861a0a; }
.button.danger-outline { background: var(--paper); color: #a8200d; border-color: #a8200d; }
.button.danger-outline:hover { background: var(--warn-bg); color: #861a0a; border-color: #861a0a; }
.button.link { background: none; border: none; color: var(--brand); padding: 0; font-weight: 400; text-decoration: underline; }
.button.link:hover { color: var(--brand-dark); }

dl.permissions { margin: 0; }
dl.permissions dt { font-weight: 600; margin: .9rem 0 0; }
dl.permissions dt:first-child { margin-top: 0; }
dl.permissions dt .kind { font-weight: 400; color: var(--muted); font-size: .9rem; margin-left: .4rem; }
dl.permissions dd { margin: .2rem 0 0; }
.tag { display: inline-block; border-radius: .3rem; padding: 0 .4rem; font-size: .8rem; font-weight: 600; background: var(--off-bg); color: var(--off-ink); margin-left: .35rem; }
.tag.warn { background: var(--warn-bg); color: var(--warn-ink); }
.badge { display: inline-block; border-radius: 999px; padding: .1rem .7rem; font-size: .875rem; font-weight: 600; vertical-align: middle; }
.badge.ok { background: var(--ok-bg); color: var(--ok-ink); }
.badge.wait { background: var(--wait-bg); color: var(--wait-ink); }
.badge.warn { background: var(--warn-bg); color: var(--warn-ink); }
.badge.off { background: var(--off-bg); color: var(--off-ink); }

.notice { border-left: 4px solid var(--brand); background: #eaf1fa; padding: .75rem 1rem; border-radius: 0 .4rem .4rem 0; margin: 0 0 1rem; }
.notice.warn { border-color: #a8200d; background: var(--warn-bg); }
.notice.wait { border-color: #a35a00; background: var(--wait-bg); }
.notice > :last-child { margin-bottom: 0; }

dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1.25rem; margin: 0 0 1rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
@media (max-width: 32rem) {
  dl.facts { grid-template-columns: 1fr; gap: 0; }
  dl.facts dd { margin-bottom: .6rem; }
}

.progress { display: flex; align-items: center; gap: .75rem; }
.spinner { width: 1rem; height: 1rem; border-radius: 50%; border: 3px solid var(--wait-bg); border-top-color: var(--wait-ink); animation: spin 1s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { .spinner { animation: none; } }

.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
caption { text-align: left; color: var(--muted); padding: 0 0 .5rem; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; background: #eef1f5; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #f8f9fb; }
/* Guests' sign-in names (x_example.com#EXT#@…) have no natural break: let them wrap so no column is pushed out. */
table.users { table-layout: fixed; }
table.users td { overflow-wrap: anywhere; }
table.users .col-name { width: 26%; }
table.users .col-upn { width: 38%; }
table.users .col-title, table.users .col-department { width: 18%; }

form.search { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: flex-end; margin: 0 0 1rem; }
form.search label { display: block; font-weight: 600; margin-bottom: .25rem; }
form.search a { padding: .65rem 0; }
input[type="search"] {
  font: inherit; padding: .55rem .7rem; border: 1px solid #7a8591; border-radius: .4rem; min-width: 16rem; background: var(--paper); color: var(--ink);
}
.pager { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0 0; }

.technical { font-size: .9rem; color: var(--muted); margin-top: 1rem; }
td .secondary { display: block; color: var(--muted); font-size: .875rem; }
.technical code, .error-text { font-family: ui-monospace, "Cascadia Mono", Consolas, monospace; font-size: .875rem; overflow-wrap: anywhere; }
.error-text { white-space: pre-wrap; background: #f1f3f6; border: 1px solid var(--line); border-radius: .4rem; padding: .75rem; display: block; margin: 0 0 1rem; color: var(--ink); }

.site-footer { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem 2rem; color: var(--muted); font-size: .875rem; }
`;

/** Where the stylesheet is served (host.json routePrefix is ""). */
export const STYLESHEET_PATH = '/assets/site.css';

/** The version in the stylesheet's URL changes with its content, so browsers may cache each version for good. */
export const STYLESHEET_VERSION = createHash('sha256').update(SITE_CSS).digest('base64url').slice(0, 12);

export const STYLESHEET_HREF = `${STYLESHEET_PATH}?v=${STYLESHEET_VERSION}`;
