import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { REPOSITORY_ROOT } from './stage-client';

/** A source tree to measure: this repository, or a copy with a patch applied. */
export interface SourceTree {
  /** `current`, or the name of the patch in bench/patches. */
  name: string;
  root: string;
  /** Removes the copy, and does nothing for the repository itself. */
  remove(): void;
}

export const CURRENT_TREE: SourceTree = {
  name: 'current',
  root: REPOSITORY_ROOT,
  remove: () => undefined,
};

// Paths that the handlers, the local stage and the stage harness import
// at run time. The copy lives outside the repository, so that applying a patch
// can never touch the files under review.
const COPIED_PATHS = ['functions', 'lib', 'local', 'test/helpers', 'tsconfig.json', 'package.json'];

export function patchFile(name: string): string {
  return join(REPOSITORY_ROOT, 'bench', 'patches', `${name}.patch`);
}

/**
 * Copies the source tree to a temporary folder and applies the patches
 * that NAME lists, joined by `+`, from bench/patches in that order. Throws
 * with the output of `patch` when a patch is missing or no longer applies
 * to the current code.
 */
export function preparePatchedTree(name: string): SourceTree {
  const patches = name.split('+').map(patchFile);
  const missing = patches.filter((patch) => !existsSync(patch));
  if (missing.length > 0) throw new Error(`no patch ${missing.join(', ')}`);
  const root = mkdtempSync(join(tmpdir(), `chat-payments-bench-${name}-`));
  const remove = () => rmSync(root, { recursive: true, force: true });
  try {
    for (const path of COPIED_PATHS) {
      cpSync(join(REPOSITORY_ROOT, path), join(root, path), { recursive: true });
    }
    symlinkSync(join(REPOSITORY_ROOT, 'node_modules'), join(root, 'node_modules'), 'dir');
    for (const patch of patches) {
      execFileSync('patch', ['--batch', '--forward', '-p1', '-d', root, '-i', patch], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    }
  } catch (error) {
    remove();
    const output = (error as { stdout?: Buffer }).stdout?.toString().trim();
    throw new Error(
      `patch ${name} does not apply to the current code${output ? `: ${output}` : ''}`,
    );
  }
  return { name, root, remove };
}
