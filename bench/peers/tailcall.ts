// Tailcall over the fakes: 1.0.0 (the binary from @tailcallhq/core-linux-x64-gnu) or, with `--version 1.6`, 1.6.14
// (the same package under the alias tailcall-1.6, the newest release the npm registry serves); both installed by
// bench/peers/package.json. Usage: tsx bench/peers/tailcall.ts <port> <backsideUrl> <intercomUrl> [--dedupe]
// [--version 1.0|1.6]
// Fills in tailcall.graphql (port, upstream URLs, `dedupe` on every @http or not) in a temporary file, starts the
// binary and prints `ready <its pid>` once it answers a query; nothing else goes to stdout. SIGTERM stops it.
// 1.6.14 takes tailcall.graphql as it is (`tailcall check` passes it unchanged), so both versions read the same config.
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dedupe: { type: 'boolean', default: false }, version: { type: 'string', default: '1.0' } },
});
const [port, backside, intercom] = positionals as [string, string, string];
const here = fileURLToPath(new URL('.', import.meta.url));
const BINARIES: Record<string, string> = {
  '1.0': 'node_modules/@tailcallhq/core-linux-x64-gnu/bin/tailcall',
  '1.6': 'node_modules/tailcall-1.6/bin/tailcall',
};
const installed = BINARIES[values.version];
if (!installed)
  throw new Error(`unknown Tailcall version ${values.version} (known: ${Object.keys(BINARIES).join(', ')})`);
const config = readFileSync(join(here, 'tailcall.graphql'), 'utf8')
  .replaceAll('__PORT__', port)
  .replaceAll('__BACKSIDE__', backside)
  .replaceAll('__INTERCOM__', intercom)
  .replaceAll('__DEDUPE__', values.dedupe ? 'true' : 'false');
const dir = mkdtempSync(join(tmpdir(), 'tailcall-'));
const file = join(dir, 'config.graphql');
writeFileSync(file, config);

/**
 * The 1.6.14 binary is linked against glibc 2.39 and will not load on an older one (Debian 12 has 2.36): it needs
 * three symbols from glibc 2.38/2.39 and nothing else newer than 2.35. Two are weak and optional (pidfd_getpid and
 * pidfd_spawnp, which Rust's std looks up and does without), one is __isoc23_strtol (strtol that also takes C23's 0b
 * prefix). This writes a copy of the binary, unchanged in its code, whose references to those three are unversioned
 * (__isoc23_strtol becomes plain strtol, the name's own suffix in the string table) and whose requirements of
 * GLIBC_2.38 and GLIBC_2.39 read GLIBC_2.2.5, so the loader takes the system's glibc. A no-op where glibc is ≥ 2.39
 * (the copy then asks for less than the system has).
 */
function loadableOnOldGlibc(source: string, target: string): void {
  const elf = readFileSync(source);
  const shoff = Number(elf.readBigUInt64LE(0x28));
  const sections = Array.from({ length: elf.readUInt16LE(0x3c) }, (_, i) => {
    const at = shoff + i * 64;
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 24)),
      size: Number(elf.readBigUInt64LE(at + 32)),
      link: elf.readUInt32LE(at + 40),
    };
  });
  const section = (type: number) => {
    const found = sections.find((s) => s.type === type);
    if (!found) throw new Error(`${source}: no section of type ${type.toString(16)}`);
    return found;
  };
  const dynsym = section(11); // SHT_DYNSYM
  const versym = section(0x6fffffff); // SHT_GNU_versym
  const verneed = section(0x6ffffffe); // SHT_GNU_verneed
  const dynstr = sections[dynsym.link] as { offset: number };
  const name = (offset: number) =>
    elf.toString('latin1', dynstr.offset + offset, elf.indexOf(0, dynstr.offset + offset));
  // Elf64_Verneed: vn_version, vn_cnt (u16), vn_file, vn_aux, vn_next (u32); Elf64_Vernaux: vna_hash (u32),
  // vna_flags, vna_other (u16), vna_name, vna_next (u32).
  let base = -1;
  const newer: number[] = [];
  const indexes = new Set<number>();
  for (let need = verneed.offset; ; ) {
    for (let i = 0, aux = need + elf.readUInt32LE(need + 8); i < elf.readUInt16LE(need + 2); i++) {
      const version = name(elf.readUInt32LE(aux + 8));
      if (version === 'GLIBC_2.2.5' && name(elf.readUInt32LE(need + 4)) === 'libc.so.6') base = aux;
      if (/^GLIBC_2\.(3[7-9]|[4-9]\d)$/.test(version)) {
        newer.push(aux);
        indexes.add(elf.readUInt16LE(aux + 6));
      }
      aux += elf.readUInt32LE(aux + 12);
    }
    const next = elf.readUInt32LE(need + 12);
    if (!next) break;
    need += next;
  }
  if (base < 0) throw new Error(`${source}: no GLIBC_2.2.5 requirement to point at`);
  for (const aux of newer) {
    elf.writeUInt32LE(elf.readUInt32LE(base), aux); // hash
    elf.writeUInt32LE(elf.readUInt32LE(base + 8), aux + 8); // name
  }
  for (let i = 0; i < dynsym.size / 24; i++) {
    if (!indexes.has(elf.readUInt16LE(versym.offset + i * 2) & 0x7fff)) continue;
    const symbol = dynsym.offset + i * 24;
    const symbolName = name(elf.readUInt32LE(symbol));
    if (symbolName === '__isoc23_strtol') elf.writeUInt32LE(elf.readUInt32LE(symbol) + '__isoc23_'.length, symbol);
    else if (!['pidfd_getpid', 'pidfd_spawnp'].includes(symbolName))
      throw new Error(`${source}: needs ${symbolName} from a newer glibc`);
    elf.writeUInt16LE(1, versym.offset + i * 2); // VER_NDX_GLOBAL: any version
  }
  writeFileSync(target, elf);
  chmodSync(target, 0o755);
}

let binary = join(here, installed);
if (values.version === '1.6') {
  binary = join(dir, 'tailcall');
  loadableOnOldGlibc(join(here, installed), binary);
}

// TAILCALL_TRACKER=false: no usage telemetry (these machines reach nothing but the npm registry). Tailcall logs to
// stdout, which must carry only the ready line: its log (errors only) goes to our stderr.
const child = spawn(binary, ['start', file], {
  env: { ...process.env, TAILCALL_TRACKER: 'false', TAILCALL_LOG_LEVEL: 'error' },
  stdio: ['ignore', 2, 'inherit'],
});
let stopping = false;
const stop = () => {
  stopping = true;
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    stop();
    process.exit(0);
  });
}
process.on('exit', stop);
child.on('exit', (code, signal) => {
  if (!stopping) console.error(`tailcall exited (${signal ?? code})`);
  process.exit(code ?? 1);
});

const deadline = Date.now() + 30_000;
for (;;) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    if (response.ok) break;
  } catch {}
  if (Date.now() > deadline) {
    console.error('tailcall did not answer within 30 s');
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}
console.log(`ready ${child.pid}`);
