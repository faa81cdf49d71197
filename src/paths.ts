// Where Portico's own files are, whether it runs from src/ (tests) or dist/ (installed).

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packageRoot returns the folder holding Portico's package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'views'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the Portico package root');
    dir = up;
  }
}

/** VIEWS_DIR is the folder of the eta templates. */
export const VIEWS_DIR = join(packageRoot(), 'views');
