import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/config.ts';

/** The problems a configuration load that must fail reports (fails the test when it loads). */
export function problemsOf(load: () => unknown): readonly string[] {
  try {
    load();
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected the configuration to be rejected');
}
