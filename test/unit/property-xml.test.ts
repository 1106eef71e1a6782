// Property tests for the XML reader (issue 6, hostile input): whatever comes in — random text, random bytes,
// generated malicious documents — parseXml either returns a flat Record<string, string> or throws XmlError.
// Nothing else escapes, nothing pollutes a prototype, and every call ends within a time bound.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_XML_BYTES, XmlError, parseXml, toXml } from '../../server/wechatpay/xml.ts';
import { billionLaughs, deepNesting, fieldName, hostileDocument, nastyText, text } from '../helpers/hostile-xml.ts';

type Outcome = { kind: 'ok'; value: Record<string, string> } | { kind: 'xml-error'; message: string };

/** Runs parseXml and checks the contract of its outcome; returns it for further assertions. */
function parseChecked(input: string | Buffer, opts?: Parameters<typeof parseXml>[1], boundMs = 500): Outcome {
  const started = performance.now();
  let outcome: Outcome;
  try {
    const value = parseXml(input, opts);
    outcome = { kind: 'ok', value };
  } catch (err) {
    // anything but an XmlError (a TypeError, a RangeError from deep recursion, a parser error) is a bug
    if (!(err instanceof XmlError)) throw new Error(`parseXml threw ${(err as Error)?.name}: ${(err as Error)?.message}`);
    outcome = { kind: 'xml-error', message: err.message };
  }
  const ms = performance.now() - started;
  expect(ms, `parseXml took ${ms.toFixed(0)} ms on ${describeInput(input)}`).toBeLessThan(boundMs);
  if (outcome.kind === 'ok') expectFlatRecord(outcome.value);
  return outcome;
}

function describeInput(input: string | Buffer): string {
  const s = typeof input === 'string' ? input : `<Buffer ${input.length} bytes>`;
  return s.length > 120 ? `${JSON.stringify(s.slice(0, 120))}… (${s.length} chars)` : JSON.stringify(s);
}

function expectFlatRecord(value: unknown): void {
  expect(typeof value).toBe('object');
  expect(value).not.toBeNull();
  expect(Array.isArray(value)).toBe(false);
  const proto = Object.getPrototypeOf(value);
  expect(proto === Object.prototype || proto === null).toBe(true);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    expect(typeof k).toBe('string');
    expect(typeof v, `field ${k}`).toBe('string');
  }
  // no symbol keys, no accessors
  expect(Object.getOwnPropertySymbols(value)).toEqual([]);
  for (const d of Object.values(Object.getOwnPropertyDescriptors(value))) expect('value' in d).toBe(true);
}

function expectNoPrototypePollution(): void {
  const probe: Record<string, unknown> = {};
  for (const k of ['polluted', 'x', 'a', 'isAdmin', 'return_code', 'sign']) expect(probe[k], `Object.prototype.${k}`).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

const RUNS = { numRuns: 400, interruptAfterTimeLimit: 8000 } as const;

describe('parseXml on random input: a flat record of strings or XmlError, nothing else, quickly', () => {
  it('random strings (every Unicode unit, lone surrogates included)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 300 }), nastyText), (s) => {
        parseChecked(s);
      }),
      RUNS,
    );
    expectNoPrototypePollution();
  });

  it('random bytes, and random bytes inside an otherwise good document', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.boolean(), (bytes, wrap) => {
        const buf = wrap ? Buffer.concat([Buffer.from('<xml><a>'), Buffer.from(bytes), Buffer.from('</a></xml>')]) : Buffer.from(bytes);
        parseChecked(buf);
      }),
      RUNS,
    );
    expectNoPrototypePollution();
  });

  it('generated malicious documents (DOCTYPE, entities, attributes, CDATA tricks, repeats, odd names and numbers)', () => {
    fc.assert(
      fc.property(hostileDocument, fc.boolean(), (doc, asBuffer) => {
        const r = parseChecked(asBuffer ? Buffer.from(doc, 'utf8') : doc);
        if (r.kind === 'ok') {
          // nothing declared in a DTD ever makes it through, and no entity expands beyond the five XML ones
          expect(doc).not.toMatch(/<!(DOCTYPE|ENTITY|ELEMENT)/);
          for (const v of Object.values(r.value)) expect(v).not.toContain('lollol');
        }
      }),
      RUNS,
    );
    expectNoPrototypePollution();
  });

  it('invalid UTF-8 anywhere is XmlError', () => {
    const badSequences = fc.constantFrom([0xff], [0xfe], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0x80], [0xe4, 0xb8]);
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), badSequences, fc.string({ maxLength: 20 }), (pre, bad, post) => {
        const buf = Buffer.concat([Buffer.from(`<xml><a>${pre}`), Buffer.from(bad), Buffer.from(`${post}</a></xml>`)]);
        const r = parseChecked(buf);
        expect(r.kind).toBe('xml-error');
      }),
      { numRuns: 200 },
    );
  });

  it('a repeated field is XmlError, whatever its values', () => {
    fc.assert(
      fc.property(fieldName, text, text, fc.array(fieldName, { maxLength: 3 }), (name, v1, v2, others) => {
        const filler = others.filter((o) => o !== name).map((o, i) => `<${o}${i}>x</${o}${i}>`).join('');
        const r = parseChecked(`<xml><${name}><![CDATA[${v1}]]></${name}>${filler}<${name}><![CDATA[${v2}]]></${name}></xml>`);
        expect(r.kind).toBe('xml-error');
      }),
      { numRuns: 200 },
    );
  });

  it('numbers where strings are expected stay the exact strings that were sent', () => {
    const numberish = fc.oneof(
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.double({ noNaN: false }).map(String),
      fc.stringMatching(/^[+-]?0*\d{1,20}(\.\d{0,5})?(e[+-]?\d{1,3})?$/),
      fc.constantFrom('0100', '0x1F', '1_000', '٣', '１００'),
    );
    fc.assert(
      fc.property(numberish, fc.boolean(), (n, inCdata) => {
        const r = parseChecked(`<xml><total_fee>${inCdata ? `<![CDATA[${n}]]>` : n}</total_fee></xml>`);
        expect(r).toEqual({ kind: 'ok', value: { total_fee: n } });
      }),
      { numRuns: 300 },
    );
  });

  it('CDATA hides markup but never ends early, and an unterminated CDATA is an error', () => {
    fc.assert(
      fc.property(nastyText, (t) => {
        // NUL is not an XML character, not even inside CDATA (XML 1.0 Char): parseXml refuses it anywhere
        const value = t.replaceAll(']]>', '').replaceAll('\u0000', '');
        const r = parseChecked(`<xml><a><![CDATA[${value}</a><b>x</b><!DOCTYPE y>]]></a></xml>`);
        expect(r).toEqual({ kind: 'ok', value: { a: `${value}</a><b>x</b><!DOCTYPE y>` } });
        expect(parseChecked(`<xml><a><![CDATA[${value}</a></xml>`).kind).toBe('xml-error');
      }),
      { numRuns: 200 },
    );
  });

  it('field names that are JavaScript prototype keys are plain data or refused, never pollution', () => {
    for (const name of ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__']) {
      const r = parseChecked(`<xml><${name}><![CDATA[polluted]]></${name}><b>1</b></xml>`);
      if (r.kind === 'ok') {
        expect(Object.getPrototypeOf(r.value) === Object.prototype || Object.getPrototypeOf(r.value) === null).toBe(true);
        expect(r.value.b).toBe('1');
      }
      const nested = parseChecked(`<xml><${name}><polluted>1</polluted></${name}></xml>`);
      expect(nested.kind).toBe('xml-error');
    }
    expectNoPrototypePollution();
  });
});

describe('parseXml on the classic attacks, time-bound', () => {
  it('billion laughs (10 levels × 10) is refused at once', () => {
    const r = parseChecked(billionLaughs(10, 10), undefined, 200);
    expect(r.kind).toBe('xml-error');
  });

  it('10,000 levels of nesting are refused without a stack overflow', () => {
    const doc = deepNesting(10_000);
    expect(parseChecked(doc, undefined, 500).kind).toBe('xml-error');
    // even with the size limit lifted, and as bytes
    expect(parseChecked(Buffer.from(doc), { maxBytes: 10 * 1024 * 1024 }, 500).kind).toBe('xml-error');
    // 100,000 levels of unclosed tags, and of self-closing ones inside one field
    expect(parseChecked(`<xml>${'<a>'.repeat(100_000)}`, { maxBytes: 10 * 1024 * 1024 }, 1000).kind).toBe('xml-error');
  });

  it('10 MB is refused by size before any parsing', () => {
    const big = `<xml><a><![CDATA[${'x'.repeat(10 * 1024 * 1024)}]]></a></xml>`;
    const r = parseChecked(big, undefined, 500);
    expect(r.kind).toBe('xml-error');
    expect((r as { message: string }).message).toMatch(/larger/);
    expect(parseChecked(Buffer.from(big), undefined, 500).kind).toBe('xml-error');
  });

  it('10 MB of hostile markup with the size limit lifted still ends in bounded time', () => {
    const MB10 = 10 * 1024 * 1024;
    const opts = { maxBytes: 2 * MB10 };
    // a flood of '<' (quadratic scanners die here), of unterminated comments/CDATA, of fields
    expect(parseChecked('<'.repeat(MB10), opts, 3000).kind).toBe('xml-error');
    expect(parseChecked(`<xml>${'<!--'.repeat(MB10 / 4)}`, opts, 3000).kind).toBe('xml-error');
    expect(parseChecked(`<xml>${'<![CDATA['.repeat(MB10 / 9)}`, opts, 3000).kind).toBe('xml-error');
    // a megabyte of one repeated empty field goes through the real parser before it is refused
    expect(parseChecked(`<xml>${'<a/>'.repeat(256 * 1024)}</xml>`, opts, 3000).kind).toBe('xml-error');
  });

  it('the default limit is the documented 64 KB', () => {
    expect(DEFAULT_MAX_XML_BYTES).toBe(64 * 1024);
    const justOver = `<xml><a>${'x'.repeat(DEFAULT_MAX_XML_BYTES)}</a></xml>`;
    expect(parseChecked(justOver).kind).toBe('xml-error');
  });
});

/** Names a JavaScript object already has (Object.prototype's), plus `prototype`: valid XML names all. */
const JS_RESERVED = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype'].filter((n) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(n)));

describe('toXml → parseXml is the identity on flat records', () => {
  // Values: any Unicode text XML can carry. XML 1.0 forbids most C0 controls and lone surrogates, and
  // WeChat's values never contain them; CR is excluded because XML normalises line ends.
  const xmlChar = fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => s.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\r\uFFFE\uFFFF]/g, ''));
  const value = fc.oneof(xmlChar, fc.constantFrom(']]>', ']]]]>', 'a]]>b]]>', '<![CDATA[x]]>', '&amp;', '&lt;', ' ', '  x  ', '\n', '\t', '0100', '-1', '1.50', '中文 🙂'), fc.nat().map(String));
  // names of Object.prototype (and `prototype`) are left out here: they have a test of their own below
  const record = fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,20}$/).filter((k) => !JS_RESERVED.has(k)), value, { maxKeys: 12 });

  it('for random records of strings', () => {
    fc.assert(
      fc.property(record, fc.constantFrom('xml', 'root'), (rec, root) => {
        const xml = toXml(rec, root);
        const r = parseChecked(xml, { root, maxBytes: 1024 * 1024 });
        expect(r).toEqual({ kind: 'ok', value: rec });
        // and as UTF-8 bytes, as it comes off the wire
        expect(parseChecked(Buffer.from(xml, 'utf8'), { root, maxBytes: 1024 * 1024 })).toEqual({ kind: 'ok', value: rec });
      }),
      { numRuns: 500 },
    );
  });

  it('numbers are written bare and read back as their decimal strings', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.stringMatching(/^[a-z_]{1,10}$/).filter((k) => !JS_RESERVED.has(k)), fc.nat(), { maxKeys: 8 }), (rec) => {
        const r = parseChecked(toXml(rec));
        expect(r).toEqual({ kind: 'ok', value: Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, String(v)])) });
      }),
      { numRuns: 200 },
    );
  });

  it('a field named like a JavaScript built-in keeps its name, or the document is refused — never renamed', () => {
    // fast-xml-parser refuses __proto__/constructor/prototype but silently renames toString → __toString, …
    for (const name of JS_RESERVED) {
      let got: Record<string, string> | 'refused';
      try {
        got = parseXml(toXml({ [name]: 'v', other: '1' }));
      } catch (err) {
        expect(err).toBeInstanceOf(XmlError);
        got = 'refused';
      }
      if (got !== 'refused') expect(Object.entries(got), `field <${name}>`).toEqual([[name, 'v'], ['other', '1']]);
    }
  });

  it('toXml refuses field names that are not XML names instead of writing markup', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }).filter((k) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)), (k) => {
        expect(() => toXml({ [k]: 'v' })).toThrow(XmlError);
      }),
      { numRuns: 200 },
    );
  });
});
