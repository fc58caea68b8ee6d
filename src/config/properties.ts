/**
 * Java `.properties` syntax, as `java.util.Properties.load` reads it, so a Confluent
 * `kafka-rest.properties` file means the same thing here as it does to the Java proxy.
 *
 * Deliberate differences: the text is taken as already decoded (UTF-8 files rather than Java's
 * ISO-8859-1 streams), and a malformed `\uXXXX` escape reports its line number.
 */

/** The one malformation Java also rejects: a `\u` escape without four hex digits. */
export class PropertiesSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'PropertiesSyntaxError';
  }
}

/** Parses properties text into key → value; a key assigned twice keeps its last value. */
export function parseProperties(text: string): Map<string, string> {
  const properties = new Map<string, string>();
  for (const { text: line, number } of logicalLines(text)) {
    const { key, value } = splitKeyValue(line);
    properties.set(unescape(key, number), unescape(value, number));
  }
  return properties;
}

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\f';
const isLineBreak = (c: string | undefined): boolean => c === '\n' || c === '\r';

interface LogicalLine {
  text: string;
  /** 1-based number of the natural line the logical line starts on. */
  number: number;
}

/**
 * Yields logical lines: comments and blank lines dropped, leading blanks stripped, and natural
 * lines ending in an odd number of backslashes joined with the next one (whose leading blanks
 * are dropped too). Escapes are still raw here; a comment line never continues.
 */
function* logicalLines(text: string): Generator<LogicalLine> {
  let at = 0;
  let lineNumber = 1;

  // Returns the natural line starting at `at` and moves `at` past its line break.
  const takeNaturalLine = (): string => {
    let end = at;
    while (end < text.length && !isLineBreak(text[end])) end++;
    const line = text.slice(at, end);
    if (end < text.length) {
      lineNumber++;
      end += text[end] === '\r' && text[end + 1] === '\n' ? 2 : 1;
    }
    at = end;
    return line;
  };
  const skipBlanks = (): void => {
    while (isBlank(text[at])) at++;
  };

  while (at < text.length) {
    skipBlanks();
    const first = text[at];
    const startsOn = lineNumber;
    if (first === undefined) break;
    if (isLineBreak(first) || first === '#' || first === '!') {
      takeNaturalLine();
      continue;
    }
    let logical = '';
    for (;;) {
      const natural = takeNaturalLine();
      const trailingBackslashes = natural.length - natural.replace(/\\+$/, '').length;
      if (trailingBackslashes % 2 === 0) {
        logical += natural;
        break;
      }
      // A continuation at end of input simply drops the backslash, as Java does.
      logical += natural.slice(0, -1);
      if (at >= text.length) break;
      skipBlanks();
    }
    yield { text: logical, number: startsOn };
  }
}

/**
 * The key ends at the first unescaped `=`, `:` or blank; blanks around one optional `=`/`:`
 * separator are skipped. Trailing blanks stay in the value (Java keeps them too).
 */
function splitKeyValue(line: string): { key: string; value: string } {
  let keyEnd = 0;
  let valueStart = line.length;
  let hasSeparator = false;
  let escaped = false;
  for (; keyEnd < line.length; keyEnd++) {
    const c = line[keyEnd];
    if (!escaped && (c === '=' || c === ':')) {
      valueStart = keyEnd + 1;
      hasSeparator = true;
      break;
    }
    if (!escaped && isBlank(c)) {
      valueStart = keyEnd + 1;
      break;
    }
    escaped = c === '\\' ? !escaped : false;
  }
  while (valueStart < line.length) {
    const c = line[valueStart];
    if (!isBlank(c)) {
      if (hasSeparator || (c !== '=' && c !== ':')) break;
      hasSeparator = true;
    }
    valueStart++;
  }
  return { key: line.slice(0, keyEnd), value: line.slice(valueStart) };
}

const ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

/** Resolves `\uXXXX`, `\t \n \r \f`, and `\x` → `x` for any other character. */
function unescape(raw: string, line: number): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[++i];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new PropertiesSyntaxError(`malformed \\uXXXX escape "\\u${hex}"`, line);
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += ESCAPES[next] ?? next;
    }
  }
  return out;
}
