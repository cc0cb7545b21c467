// What a process and its children used, from /proc: CPU time (utime + stime) and write I/O, for the
// engine benchmark's breakdown. Linux only.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

function readOr(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null; // the process ended
  }
}

/** Fields of /proc/<pid>/stat after the command name (field 3, the state, is index 0). */
function statFields(pid: number): string[] | null {
  const stat = readOr(`/proc/${pid}/stat`);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : null;
}

/** CPU seconds the process has used so far (all its threads). */
export function cpuSeconds(pid: number): number {
  const fields = statFields(pid);
  return fields ? (Number(fields[11]) + Number(fields[12])) / ticksPerSecond : 0;
}

/** The process and all its descendants alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const ppid = Number(statFields(Number(name))?.[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), Number(name)]);
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Processes whose command line contains `text` (e.g. a private server's config path). */
export function processesMatching(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((name) => readOr(`/proc/${name}/cmdline`)?.replaceAll('\0', ' ').includes(text))
    .map(Number);
}

export interface WriteIo {
  /** Bytes the process caused to be written to storage (page cache writeback included). */
  writeBytes: number;
  /** write(2)-family calls. */
  writeCalls: number;
}

export function writeIo(pid: number): WriteIo {
  const io = readOr(`/proc/${pid}/io`) ?? '';
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, 'm').exec(io)?.[1] ?? 0);
  return { writeBytes: field('write_bytes'), writeCalls: field('syscw') };
}

/** Resident memory now and at its peak, in MiB (VmRSS / VmHWM). */
export function residentMiB(pid: number): { rss: number; peak: number } {
  const status = readOr(`/proc/${pid}/status`) ?? '';
  const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: Math.round(kib('VmRSS') / 1024), peak: Math.round(kib('VmHWM') / 1024) };
}
