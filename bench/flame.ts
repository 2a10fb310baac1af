// Turns a V8 .cpuprofile (node --cpu-prof) into a static SVG flame graph, and prints markdown tables of the top
// functions by self and total time and of self time per package (or per file of ours) to stdout.
//
//   npx tsx bench/flame.ts <file.cpuprofile> <out.svg> [--title "..."] [--skip s]
//
// --skip: leave out the profile's first s seconds (start-up and warm-up: module loading, schema building and the
// compiler's first work are not what a request costs).
//
// No library: `flamegraph` 1.3.0 only reads the old nested `head` cpuprofile format and throws on what Node 20
// writes (flat `nodes`, "Cannot read properties of undefined (reading 'functionName')"), and it colours by name
// hash; `flamebearer` 2.x is a text report with no graph; `0x` writes an interactive HTML page (d3 + browserify)
// from its own runs; `speedscope` is a viewer. None gives a static SVG coloured by package, so this draws one.
//
// Time is the sample's timeDelta to the next sample. (idle) is left out of the graph and of every percentage and
// reported on its own. Frames narrower than 0.3% of the time are not drawn (their time stays in the parent).
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}
type Kind = 'ours' | 'package' | 'node' | 'native' | 'gc' | 'program' | 'idle' | 'root' | 'other';
interface Frame {
  key: string; // function + place, the unit of the function tables
  name: string;
  place: string; // "src/x.ts:12", "graphql-yoga", "node:events:40"
  group: string; // the unit of the package table
  kind: Kind;
}
interface Tree {
  frame: Frame;
  self: number;
  total: number;
  children: Map<string, Tree>;
}

const MIN_SHARE = 0.003;
const WIDTH = 1800;
const ROW = 17;
const FONT = 11;

function classify({ functionName, url, lineNumber }: CallFrame): Frame {
  const name = functionName || '(anonymous)';
  const line = lineNumber >= 0 ? `:${lineNumber + 1}` : '';
  const frame = (kind: Kind, group: string, place: string): Frame => ({
    key: `${name} ${place}`,
    name,
    place,
    group,
    kind,
  });
  if (name === '(garbage collector)') return frame('gc', '(garbage collector)', '');
  if (name === '(program)') return frame('program', '(program)', '');
  if (name === '(idle)') return frame('idle', '(idle)', '');
  if (name === '(root)') return frame('root', '(root)', '');
  if (!url) return frame('native', '(V8 builtins / native)', '');
  if (url.startsWith('wasm://')) return frame('native', '(wasm, e.g. undici llhttp)', '');
  if (url.startsWith('node:')) {
    const path = url.slice(5);
    const dep = /^internal\/deps\/([^/]+)/.exec(path)?.[1];
    const group = dep
      ? `${dep} (node:internal)`
      : /^_?https?(_|$)/.test(path)
        ? 'node:http'
        : `node:${path
            .split('/')
            .slice(0, path.startsWith('internal/') ? 2 : 1)
            .join('/')}`;
    return frame('node', group, `${url}${line}`);
  }
  const file = url.startsWith('file://') ? fileURLToPath(url) : url;
  const [, pkg, inner] = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)/.exec(file) ?? [];
  if (pkg) return frame('package', pkg, `${pkg} ${inner?.split('/').pop()}${line}`);
  // Ours wherever the profile was recorded: a file under a src/ or dist/ folder that no package holds (named from that
  // folder on, so profiles from other checkouts group the same way).
  const own = /(?:^|\/)((?:src|dist)\/.*)$/.exec(file)?.[1];
  if (own) return frame('ours', own, `${own}${line}`);
  const rel = relative(process.cwd(), file);
  return frame('other', rel, `${rel}${line}`);
}

function buildTree(profile: Profile): { root: Tree; idle: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, profile.timeDeltas[i + 1] ?? 0));
  });
  const root: Tree = {
    frame: classify({ functionName: '(root)', url: '', lineNumber: -1 }),
    self: 0,
    total: 0,
    children: new Map(),
  };
  let idle = 0;
  for (const [id, us] of selfUs) {
    const path: Frame[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at))
      path.push(classify(byId.get(at)!.callFrame));
    path.pop(); // (root)
    if (path.some((f) => f.kind === 'idle')) {
      idle += us / 1000;
      continue;
    }
    let t = root;
    t.total += us / 1000;
    for (const f of path.reverse()) {
      const c = t.children.get(f.key) ?? { frame: f, self: 0, total: 0, children: new Map() };
      t.children.set(f.key, c);
      c.total += us / 1000;
      t = c;
    }
    t.self += us / 1000;
  }
  return { root, idle };
}

function color(f: Frame): string {
  let h = 0;
  for (const ch of f.group) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  const j = (n: number) => (h % n) - n / 2; // a little variation per package/file, same for all its frames
  switch (f.kind) {
    case 'ours':
      return `hsl(${210 + j(20)},70%,${62 + j(12)}%)`;
    case 'package':
      return `hsl(${32 + j(24)},85%,${60 + j(14)}%)`;
    case 'node':
    case 'native':
      return `hsl(0,0%,${f.kind === 'node' ? 72 + j(10) : 84}%)`;
    case 'gc':
      return 'hsl(350,75%,58%)';
    case 'program':
      return 'hsl(280,45%,68%)';
    case 'other':
      return 'hsl(140,45%,62%)';
    default:
      return 'hsl(0,0%,92%)';
  }
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function label(f: Frame): string {
  if (f.kind === 'package') return `${f.group}: ${f.name}`;
  return f.place ? `${f.name} ${f.place}` : f.name;
}

function renderSvg(root: Tree, title: string): string {
  const scale = (WIDTH - 20) / root.total;
  const min = root.total * MIN_SHARE;
  const rects: { x: number; depth: number; t: Tree }[] = [];
  let maxDepth = 0;
  const walk = (t: Tree, x: number, depth: number) => {
    rects.push({ x, depth, t });
    maxDepth = Math.max(maxDepth, depth);
    let cx = x;
    for (const c of [...t.children.values()].sort((a, b) => a.frame.key.localeCompare(b.frame.key))) {
      if (c.total >= min) walk(c, cx, depth + 1);
      cx += c.total * scale;
    }
  };
  walk(root, 10, 0);
  const top = 60;
  const height = top + (maxDepth + 1) * ROW + 10;
  const legend: [string, Frame['kind'], string][] = [
    ['our code (src/, dist/)', 'ours', 'dist/index.mjs'],
    ['node_modules package', 'package', 'graphql'],
    ['node internals', 'node', 'node:events'],
    ['V8 builtins / wasm', 'native', ''],
    ['garbage collector', 'gc', ''],
    ['(program)', 'program', ''],
  ];
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="Verdana, sans-serif" font-size="${FONT}">`,
    `<title>${esc(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="20" font-size="16" text-anchor="middle">${esc(title)}</text>`,
    ...legend.map(([text, kind, group], i) => {
      const fill = color({ key: '', name: '', place: '', group, kind });
      return `<rect x="${10 + i * 200}" y="32" width="12" height="12" fill="${fill}"/><text x="${26 + i * 200}" y="42">${text}</text>`;
    }),
  ];
  for (const { x, depth, t } of rects) {
    const w = t.total * scale;
    const y = height - 10 - (depth + 1) * ROW;
    const text = depth === 0 ? `all (idle excluded) ${t.total.toFixed(0)} ms` : label(t.frame);
    const tip = `${text}\n${t.total.toFixed(1)} ms total (${((100 * t.total) / root.total).toFixed(1)}%), ${t.self.toFixed(1)} ms self`;
    const fits = Math.floor((w - 6) / (FONT * 0.6));
    const shown = fits >= text.length ? text : fits > 3 ? `${text.slice(0, fits - 2)}..` : '';
    out.push(
      `<g><title>${esc(tip)}</title><rect x="${x.toFixed(1)}" y="${y}" width="${Math.max(w - 0.5, 0.5).toFixed(1)}" height="${ROW - 1}" fill="${color(t.frame)}"/>` +
        (shown ? `<text x="${(x + 3).toFixed(1)}" y="${y + ROW - 5}">${esc(shown)}</text>` : '') +
        '</g>',
    );
  }
  out.push('</svg>');
  return out.join('\n');
}

function summary(root: Tree, idle: number): string {
  const fns = new Map<string, { frame: Frame; self: number; total: number }>();
  const groups = new Map<string, number>();
  const onStack = new Map<string, number>();
  const walk = (t: Tree) => {
    const k = t.frame.key;
    const e = fns.get(k) ?? { frame: t.frame, self: 0, total: 0 };
    fns.set(k, e);
    e.self += t.self;
    if (!onStack.get(k)) e.total += t.total; // recursion counts once
    groups.set(t.frame.group, (groups.get(t.frame.group) ?? 0) + t.self);
    onStack.set(k, (onStack.get(k) ?? 0) + 1);
    for (const c of t.children.values()) walk(c);
    onStack.set(k, onStack.get(k)! - 1);
  };
  for (const c of root.children.values()) walk(c);
  const ms = (n: number) => n.toFixed(1);
  const pct = (n: number) => `${((100 * n) / root.total).toFixed(1)}%`;
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const fnTable = (by: 'self' | 'total') => [
    '| # | function | package / file | self ms | self % | total ms | total % |',
    '|--:|---|---|--:|--:|--:|--:|',
    ...[...fns.values()]
      .sort((a, b) => b[by] - a[by])
      .slice(0, 25)
      .map(
        (f, i) =>
          `| ${i + 1} | ${cell(f.frame.name)} | ${cell(f.frame.place || f.frame.group)} | ${ms(f.self)} | ${pct(f.self)} | ${ms(f.total)} | ${pct(f.total)} |`,
      ),
  ];
  const small = [...groups].filter(([, self]) => self > 0 && self < root.total * 0.001);
  const kindOf = new Map([...fns.values()].map((f) => [f.frame.group, f.frame.kind]));
  return [
    `Busy time ${ms(root.total)} ms (100% below); (idle) ${ms(idle)} ms, left out.`,
    '',
    '### Top 25 functions by self time',
    '',
    ...fnTable('self'),
    '',
    '### Top 25 functions by total time',
    '',
    ...fnTable('total'),
    '',
    '### Self time per package or file of ours',
    '',
    '| package / file | kind | self ms | self % |',
    '|---|---|--:|--:|',
    ...[...groups]
      .filter(([, self]) => self >= root.total * 0.001)
      .sort((a, b) => b[1] - a[1])
      .map(([g, self]) => `| ${cell(g)} | ${kindOf.get(g)} | ${ms(self)} | ${pct(self)} |`),
    `| (${small.length} more under 0.1% each) | | ${ms(small.reduce((n, [, s]) => n + s, 0))} | ${pct(small.reduce((n, [, s]) => n + s, 0))} |`,
    '',
  ].join('\n');
}

/** The profile without its first `seconds` of samples. */
function skip(profile: Profile, seconds: number): Profile {
  let elapsed = 0;
  let first = 0;
  while (first < profile.timeDeltas.length && elapsed < seconds * 1e6) elapsed += profile.timeDeltas[first++] ?? 0;
  return { ...profile, samples: profile.samples.slice(first), timeDeltas: profile.timeDeltas.slice(first) };
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { title: { type: 'string' }, skip: { type: 'string', default: '0' } },
});
const [input, output] = positionals;
if (!input || !output) {
  console.error('usage: npx tsx bench/flame.ts <file.cpuprofile> <out.svg> [--title "..."] [--skip s]');
  process.exit(2);
}
const profile = skip(JSON.parse(readFileSync(input, 'utf8')) as Profile, Number(values.skip));
const { root, idle } = buildTree(profile);
writeFileSync(output, renderSvg(root, values.title ?? `CPU flame graph: ${input}`));
console.log(summary(root, idle));
