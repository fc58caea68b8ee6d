/**
 * Fetches Apache Kafka's runtime jars from Maven Central into .kafka/libs by running Maven on
 * scripts/kafka/pom.xml. Runs as the npm postinstall step, so `npm ci` leaves a broker ready to
 * start. Idempotent: a marker file records which pom produced the folder.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { kafkaHome, kafkaLibs } from './paths.ts';

const pom = new URL('./pom.xml', import.meta.url).pathname;
const marker = `${kafkaHome}/pom.sha256`;
const pomHash = createHash('sha256').update(readFileSync(pom)).digest('hex');

export function fetchKafka(): void {
  if (existsSync(marker) && readFileSync(marker, 'utf8') === pomHash) return;
  rmSync(kafkaLibs, { recursive: true, force: true });
  mkdirSync(kafkaLibs, { recursive: true });
  console.log(`fetching Apache Kafka jars into ${kafkaLibs} ...`);
  execFileSync(
    'mvn',
    ['-q', '-B', '-f', pom, 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${kafkaLibs}`],
    { stdio: 'inherit' },
  );
  writeFileSync(marker, pomHash);
}

if (import.meta.url === `file://${process.argv[1]}`) fetchKafka();
