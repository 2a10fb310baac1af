// Child processes in tests: waiting for a line of their output, and finding the processes they forked.
import { readdirSync, readFileSync } from 'node:fs';

/** Every process under `root`, by pid, with its command line. */
export function descendants(root: number): { pid: number; ppid: number; command: string }[] {
  const all = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
        return [{ pid: Number(entry), ppid, command }];
      } catch {
        return [];
      }
    });
  const found: typeof all = [];
  const walk = (pid: number) => {
    for (const process of all.filter((p) => p.ppid === pid)) {
      found.push(process);
      walk(process.pid);
    }
  };
  walk(root);
  return found;
}

/** Resolves with the first match of `pattern` in `output()`, polled every 20 ms; rejects after `ms`. */
export function waitFor(output: () => string, pattern: RegExp, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const match = pattern.exec(output());
      if (match) {
        clearInterval(timer);
        resolve(match);
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`no ${pattern} in: ${output()}`));
      }
    }, 20);
  });
}
