/**
 * The password file named in a JAAS login configuration, the way Confluent's proxy is set up for
 * Basic authentication (`-Djava.security.auth.login.config=…`):
 *
 *     KafkaRest {
 *       org.eclipse.jetty.jaas.spi.PropertyFileLoginModule required
 *         file="/etc/kafka-rest/password.properties";
 *     };
 *
 * Only the `file=` option of a PropertyFileLoginModule in the section named by the realm is read.
 */

/** The password file, or a reason naming what is missing. */
export function passwordFileFromJaas(text: string, realm: string): { file: string } | { problem: string } {
  const clean = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
  const sections = /([A-Za-z0-9_.$-]+)\s*\{([\s\S]*?)\}\s*;/g;
  for (const [, name, body] of clean.matchAll(sections)) {
    if (name !== realm) continue;
    for (const entry of body!.split(';')) {
      if (!/PropertyFileLoginModule\s/.test(entry)) continue;
      const option = /(?:^|\s)file\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))/.exec(entry);
      const file = option ? (option[1]?.replace(/\\(.)/g, '$1') ?? option[2]) : undefined;
      if (!file) return { problem: `the PropertyFileLoginModule of section ${realm} has no file= option` };
      return { file };
    }
    return { problem: `section ${realm} has no PropertyFileLoginModule` };
  }
  return { problem: `no section named ${realm} (authentication.realm)` };
}
