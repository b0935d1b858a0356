// Zip archives of a folder and back, with fflate (pure JavaScript, no zip binary on the machine).
// The archive is reproducible: entries in path order with one fixed time, so the same app gives
// the same bytes, and Unix permissions 0644, which Linux keeps when it extracts the package.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { unzipSync, zipSync, type Zippable } from "fflate";

/** The time written on every entry: zip stores local times from 1980 on, so any fixed one will do. */
const ENTRY_TIME = new Date(2000, 0, 1);
const UNIX = 3;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;

/** Every file under `root`, as paths relative to it with forward slashes, sorted. */
export function listFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) files.push(relative(root, path).split(sep).join("/"));
      // npm writes no links outside node_modules/.bin, which packages leave out: a link here
      // would point at a machine's own folders, so it is an error rather than a silent gap.
      else throw new Error(`${path} is neither a file nor a folder; a deployment package holds only files`);
    }
  };
  walk(root);
  return files.sort();
}

export interface ZipSummary {
  files: number;
  /** Sum of the files' sizes before compression. */
  bytes: number;
  zipBytes: number;
}

export function zipFolder(root: string, zipFile: string): ZipSummary {
  const entries: Zippable = {};
  let bytes = 0;
  const files = listFiles(root);
  for (const file of files) {
    const data = readFileSync(join(root, file));
    bytes += data.length;
    entries[file] = [data, { mtime: ENTRY_TIME, os: UNIX, attrs: REGULAR_FILE_0644 }];
  }
  const archive = zipSync(entries);
  mkdirSync(dirname(zipFile), { recursive: true });
  writeFileSync(zipFile, archive);
  return { files: files.length, bytes, zipBytes: archive.length };
}

/** Extracts `zipFile` into `target` (created if missing); refuses entries that would land outside it. */
export function extractZip(zipFile: string, target: string): string[] {
  const root = resolve(target);
  const entries = unzipSync(readFileSync(zipFile));
  const written: string[] = [];
  for (const [name, data] of Object.entries(entries)) {
    if (name.endsWith("/")) continue;
    const path = resolve(root, name);
    if (!path.startsWith(root + sep)) throw new Error(`zip entry ${name} would be written outside ${root}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, data);
    written.push(name);
  }
  return written.sort();
}
