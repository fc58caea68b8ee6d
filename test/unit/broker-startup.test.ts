/**
 * The pure parts of starting the embedded broker: reading `java -version`, finding the line of
 * broker.log that says why a start failed, and refusing a missing Java with what to do.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { brokerLogProblem } from '../../src/broker/broker-process.ts';
import { javaPath, parseJavaVersion } from '../../src/broker/java.ts';
import { StartupError } from '../../src/startup-error.ts';

test('java -version output gives the major version, old 1.x numbering included', () => {
  assert.equal(parseJavaVersion('openjdk version "17.0.13" 2024-10-15\nOpenJDK Runtime Environment'), 17);
  assert.equal(parseJavaVersion('openjdk version "25" 2025-09-16'), 25);
  assert.equal(parseJavaVersion('java version "1.8.0_402"'), 8);
  assert.equal(parseJavaVersion('Picked up JAVA_TOOL_OPTIONS: -Xss1m\nopenjdk version "21.0.2"'), 21);
  assert.equal(parseJavaVersion('no version here'), null);
});

test('no java on PATH and no JAVA_HOME is a StartupError saying what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-java-'));
  try {
    assert.throws(() => javaPath({ PATH: dir }), (error: unknown) => error instanceof StartupError && /Java is not installed.*bootstrap\.servers/.test(error.message));
    assert.throws(() => javaPath({ PATH: dir, JAVA_HOME: join(dir, 'jdk') }), (error: unknown) => error instanceof StartupError && /JAVA_HOME is .*jdk/.test(error.message));
    const java = join(dir, 'java');
    writeFileSync(java, '#!/bin/sh\n', { mode: 0o755 });
    assert.equal(javaPath({ PATH: `/nonexistent:${dir}` }), java);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the broker's start failure is its first error line, not the generic exit line", () => {
  const dir = mkdtempSync(join(tmpdir(), 'kafka-rest-brokerlog-'));
  try {
    const log = join(dir, 'broker.log');
    assert.equal(brokerLogProblem(log), '');
    writeFileSync(
      log,
      [
        '[2026-12-01 10:00:00,000] INFO Registered kafka:type=kafka.Log4jController MBean (kafka.utils.Log4jControllerRegistration$)',
        '[2026-12-01 10:00:01,000] ERROR Failed to acquire lock on file .lock in /data/kafka/data. A Kafka instance in another process or thread is using this directory. (kafka.log.LogManager)',
        '[2026-12-01 10:00:01,001] ERROR Exiting Kafka due to fatal exception (kafka.Kafka$)',
      ].join('\n'),
    );
    assert.equal(brokerLogProblem(log), ': Failed to acquire lock on file .lock in /data/kafka/data. A Kafka instance in another process or thread is using this directory.');
    writeFileSync(log, '[2026-12-01 10:00:00,000] INFO all good (kafka.Kafka$)\n');
    assert.equal(brokerLogProblem(log), '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
