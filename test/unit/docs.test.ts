import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('docs/CONFIGURATION.md lists exactly the keys the code accepts', () => {
  const table = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/config-table.ts'], { encoding: 'utf8' });
  const doc = readFileSync('docs/CONFIGURATION.md', 'utf8');
  assert.ok(doc.includes(table.trim()), 'regenerate the table with `node --import tsx scripts/config-table.ts`');
});
