import { fileURLToPath } from 'node:url';

/** Where the fetched Kafka distribution lives: a git-ignored folder at the repository root. */
export const kafkaHome = fileURLToPath(new URL('../../.kafka', import.meta.url));
export const kafkaLibs = `${kafkaHome}/libs`;
