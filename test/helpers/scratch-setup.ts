/** Global setup: one scratch directory for the run (the package builds the workers share), removed at its end. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    scratch: string;
  }
}

export default function setup(project: TestProject) {
  const scratch = mkdtempSync(join(tmpdir(), 'mailhooks-run-'));
  project.provide('scratch', scratch);
  return () => rmSync(scratch, { recursive: true, force: true });
}
