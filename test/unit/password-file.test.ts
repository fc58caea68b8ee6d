import assert from 'node:assert/strict';
import bcrypt from 'bcryptjs';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { basicCredentials, BasicUsers } from '../../src/http/auth/basic.ts';
import { passwordFileFromJaas } from '../../src/http/auth/jaas-config.ts';
import { parsePasswordFile, verifyPassword } from '../../src/http/auth/password-file.ts';

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const hash = bcrypt.hashSync('b-secret', 4);

describe('Jetty password file', () => {
  const file = parsePasswordFile(
    [
      '# comment',
      'alice: a-secret, admin, developer',
      `bob=MD5:${md5('b-pass').toUpperCase()},user`,
      `carol: ${hash}`,
      'dave: OBF:1v2j1uum1xtv1zej1zer1xtn1uvk1v1v,user',
      'erin: CRYPT:adpexzg3FUZAk,user',
      'frank: MD5:nothex',
    ].join('\n'),
  );

  it('reads users, credentials and trimmed roles', () => {
    assert.deepEqual([...file.users.keys()], ['alice', 'bob', 'carol']);
    assert.deepEqual(file.users.get('alice')!.roles, ['admin', 'developer']);
    assert.deepEqual(file.users.get('bob')!.roles, ['user']);
    assert.deepEqual(file.users.get('carol')!.roles, []);
  });

  it('verifies plain, MD5 (any hex case) and bcrypt credentials, and refuses wrong passwords', async () => {
    assert.equal(await verifyPassword(file.users.get('alice')!.credential, 'a-secret'), true);
    assert.equal(await verifyPassword(file.users.get('alice')!.credential, 'a-secret '), false);
    assert.equal(await verifyPassword(file.users.get('bob')!.credential, 'b-pass'), true);
    assert.equal(await verifyPassword(file.users.get('bob')!.credential, 'b-pas'), false);
    assert.equal(await verifyPassword(file.users.get('carol')!.credential, 'b-secret'), true);
    assert.equal(await verifyPassword(file.users.get('carol')!.credential, 'nope'), false);
    assert.equal(await verifyPassword(null, 'anything'), false);
  });

  it('leaves out OBF:, CRYPT: and malformed credentials, naming the user and never the credential', () => {
    assert.equal(file.skipped.length, 3);
    assert.match(file.skipped[0]!, /"dave".*OBF: credentials are not supported/);
    assert.match(file.skipped[1]!, /"erin".*CRYPT: credentials are not supported/);
    assert.match(file.skipped[2]!, /"frank".*not 32 hex digits/);
    assert.ok(file.skipped.every((line) => !line.includes('1v2j') && !line.includes('adpexzg')));
  });

  it('accepts the $2y$ spelling of bcrypt', async () => {
    const y = parsePasswordFile(`u: ${hash.replace(/^\$2[ab]\$/, '$2y$')}`);
    assert.equal(await verifyPassword(y.users.get('u')!.credential, 'b-secret'), true);
  });
});

describe('Basic credentials header', () => {
  const header = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
  it('splits at the first colon, so a password may hold colons', () => {
    assert.deepEqual(basicCredentials(header('alice:pa:ss')), { user: 'alice', password: 'pa:ss' });
    assert.deepEqual(basicCredentials(`basic  ${Buffer.from('ü:x').toString('base64')}`), { user: 'ü', password: 'x' });
  });
  it('refuses other schemes and malformed values', () => {
    assert.equal(basicCredentials('Bearer abc'), null);
    assert.equal(basicCredentials(header('no-colon')), null);
    assert.equal(basicCredentials(header(':password')), null);
    assert.equal(basicCredentials('Basic !!!'), null);
  });
});

describe('password file reload', () => {
  const dir = mkdtempSync(join(tmpdir(), 'password-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const logged: string[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });

  it('takes a changed file, keeps the old users when the new one is broken, and logs that once', async () => {
    const path = join(dir, 'users.properties');
    writeFileSync(path, 'alice: one\n');
    const users = new BasicUsers(path, logger);
    assert.ok(await users.authenticate({ user: 'alice', password: 'one' }));

    writeFileSync(path, 'alice: one\nbob: two\n');
    users.reload();
    assert.ok(await users.authenticate({ user: 'bob', password: 'two' }));

    writeFileSync(path, 'alice: one\nbob: \\uZZZZ\n'); // a malformed escape: the file does not parse
    users.reload();
    users.reload();
    assert.ok(await users.authenticate({ user: 'bob', password: 'two' }), 'the users loaded before stay');
    assert.equal(logged.filter((line) => line.includes('cannot load the changed password file')).length, 1);

    rmSync(path);
    users.reload();
    assert.equal(logged.filter((line) => line.includes('cannot load the changed password file')).length, 1, 'still broken: no second line');
    writeFileSync(path, 'carol: three\n');
    users.reload();
    assert.ok(await users.authenticate({ user: 'carol', password: 'three' }));
    assert.equal(await users.authenticate({ user: 'bob', password: 'two' }), null);
    assert.ok(logged.every((line) => !line.includes('three') && !line.includes('"two"')));
    users.close();
  });

  it('forgets a bcrypt password it had accepted once the file changes', async () => {
    const path = join(dir, 'bcrypt.properties');
    writeFileSync(path, `carol: ${hash}\n`);
    const users = new BasicUsers(path, logger);
    assert.ok(await users.authenticate({ user: 'carol', password: 'b-secret' }));
    assert.ok(await users.authenticate({ user: 'carol', password: 'b-secret' }), 'remembered');
    writeFileSync(path, `carol: ${bcrypt.hashSync('new', 4)}\n`);
    users.reload();
    assert.equal(await users.authenticate({ user: 'carol', password: 'b-secret' }), null);
    assert.ok(await users.authenticate({ user: 'carol', password: 'new' }));
    users.close();
  });
});

describe('JAAS config', () => {
  const jaas = `
    // Confluent's example
    KafkaRest {
      org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required
        debug="true"
        file="/etc/kafka-rest/password.properties";
    };
    Other { org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required file=/other; };`;
  it('finds the file= of the realm section', () => {
    assert.deepEqual(passwordFileFromJaas(jaas, 'KafkaRest'), { file: '/etc/kafka-rest/password.properties' });
    assert.deepEqual(passwordFileFromJaas(jaas, 'Other'), { file: '/other' });
  });
  it('says what is missing', () => {
    assert.match((passwordFileFromJaas(jaas, 'Nope') as { problem: string }).problem, /no section named Nope/);
    assert.match((passwordFileFromJaas('R { x.LdapLoginModule required; };', 'R') as { problem: string }).problem, /no PropertyFileLoginModule/);
    assert.match((passwordFileFromJaas('R { a.PropertyFileLoginModule required debug=true; };', 'R') as { problem: string }).problem, /no file= option/);
  });
});
