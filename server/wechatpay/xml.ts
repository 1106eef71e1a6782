// WeChat's flat XML (<xml><k><![CDATA[v]]></k>…</xml>) in and out, refusing anything hostile before parsing.
import { XMLParser } from 'fast-xml-parser';

export class XmlError extends Error {
  override name = 'XmlError';
}

export const DEFAULT_MAX_XML_BYTES = 64 * 1024;

const PARSER_OPTIONS = {
  ignoreAttributes: true,
  parseTagValue: false, // amounts stay strings: "0100" must not become 100
  parseAttributeValue: false,
  trimValues: false, // signatures are over raw values
  processEntities: true, // only the five XML entities: DOCTYPE-declared ones are refused before parsing
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
} as const;

/**
 * One linear pass before the real parser: no DOCTYPE/ENTITY or other `<!` declarations, no element
 * deeper than root > field, nothing after the root. WeChat never sends more, so anything more is hostile.
 */
// fast-xml-parser renames these (`toString` → `__toString`) to protect objects: refuse them rather than
// let a field change its name silently. WeChat uses none of them.
const RESERVED_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

function assertFlat(text: string): void {
  if (text.includes('\u0000')) throw new XmlError('NUL characters are not allowed in XML');
  let depth = 0;
  let roots = 0;
  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    if (text.startsWith('<![CDATA[', lt)) {
      const end = text.indexOf(']]>', lt + 9);
      if (end < 0) throw new XmlError('unterminated CDATA section');
      i = end + 3;
      continue;
    }
    if (text.startsWith('<?', lt)) {
      const end = text.indexOf('?>', lt + 2);
      if (end < 0 || depth > 0) throw new XmlError('misplaced processing instruction');
      i = end + 2;
      continue;
    }
    if (text.startsWith('<!--', lt)) {
      const end = text.indexOf('-->', lt + 4);
      if (end < 0) throw new XmlError('unterminated comment');
      i = end + 3;
      continue;
    }
    if (text.startsWith('<!', lt)) throw new XmlError('DOCTYPE and entity declarations are not accepted');
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0) throw new XmlError('unterminated tag');
    if (text[lt + 1] === '/') {
      depth -= 1;
      if (depth < 0) throw new XmlError('unbalanced closing tag');
    } else {
      const name = /^[^\s/>]+/.exec(text.slice(lt + 1, gt))?.[0] ?? '';
      if (RESERVED_NAMES.has(name)) throw new XmlError(`field name ${name} is not accepted`);
      if (depth === 0 && ++roots > 1) throw new XmlError('more than one root element');
      if (text[gt - 1] !== '/') depth += 1;
      if (depth > 2) throw new XmlError('nested elements are not accepted');
    }
    i = gt + 1;
  }
  if (depth !== 0) throw new XmlError('unclosed element');
  if (roots !== 1) throw new XmlError('no root element');
}

/**
 * Parses a WeChat XML body into name → string. Throws XmlError for anything that is not exactly one
 * flat root of text fields: too large, not UTF-8, DOCTYPE, nesting, repeated fields, another root name.
 */
export function parseXml(
  input: string | Buffer,
  options: { maxBytes?: number; root?: string } = {},
): Record<string, string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_XML_BYTES;
  const rootName = options.root ?? 'xml';
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size === 0) throw new XmlError('empty body');
  if (size > maxBytes) throw new XmlError(`XML larger than ${maxBytes} bytes`);
  let text: string;
  try {
    text = typeof input === 'string' ? input : new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new XmlError('body is not valid UTF-8');
  }
  assertFlat(text);
  // A repeated field is ambiguous (which value was signed?): fields are forced to arrays, then refused.
  let doc: unknown;
  try {
    doc = new XMLParser({ ...PARSER_OPTIONS, isArray: (_name, jpath) => String(jpath).split('.').length === 2 }).parse(
      text,
      true,
    );
  } catch (err) {
    throw new XmlError(`malformed XML: ${(err as Error).message}`);
  }
  const top = doc as Record<string, unknown>;
  const keys = Object.keys(top);
  if (keys.length !== 1 || keys[0] !== rootName) throw new XmlError(`root element must be <${rootName}>`);
  const body = top[rootName];
  if (body === '' || body === undefined) return {};
  if (typeof body !== 'object' || body === null) throw new XmlError('root must contain fields');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === '#text') {
      if (String(v).trim() !== '') throw new XmlError('text outside fields');
      continue;
    }
    if (!Array.isArray(v)) throw new XmlError(`field ${k} is malformed`);
    if (v.length !== 1) throw new XmlError(`repeated field: ${k}`);
    const value = v[0];
    if (value === '' || value === undefined) out[k] = '';
    else if (typeof value === 'string') out[k] = value;
    else throw new XmlError(`field ${k} is not text`);
  }
  return out;
}

function cdata(value: string): string {
  // `]]>` cannot stand inside CDATA: close and reopen around it
  return `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Builds `<root><k><![CDATA[v]]></k>…</root>`, skipping undefined/null values. Names are checked. */
export function toXml(params: Record<string, string | number | undefined | null>, root = 'xml'): string {
  let out = `<${root}>`;
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    if (!FIELD_NAME.test(k) || RESERVED_NAMES.has(k)) throw new XmlError(`invalid field name ${JSON.stringify(k)}`);
    const s = String(v);
    out += /^\d+$/.test(s) ? `<${k}>${s}</${k}>` : `<${k}>${cdata(s)}</${k}>`;
  }
  return `${out}</${root}>`;
}
