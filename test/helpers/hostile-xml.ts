// Generators of hostile XML (fast-check): DOCTYPE and entities, billion laughs, deep nesting, attributes,
// CDATA tricks, repeated fields, odd names and numbers where strings are expected. Shared by the XML
// property tests and the notification endpoints' hostile-input tests.
import fc from 'fast-check';


export const fieldName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/);
export const evilName = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '#text', ':@', 'xml');
export const anyName = fc.oneof(fieldName, evilName, fc.stringMatching(/^[a-z][a-z0-9:.-]{0,8}$/));
export const text = fc.string({ unit: 'grapheme', maxLength: 40 });
export const xmlish = fc.constantFrom('<', '>', '&', ';', '"', "'", ']]>', '<![CDATA[', '<!--', '-->', '<?', '?>', '</', '/>', '&amp;', '&#60;', '&#x3c;', '&lt;', '&xxe;', '\u0000', '\uFEFF', '\uD800');
export const nastyText = fc.array(fc.oneof(text, xmlish), { maxLength: 8 }).map((a) => a.join(''));

export const doctype = fc
  .record({ name: fc.stringMatching(/^[a-z]{1,8}$/), value: nastyText, sys: fc.constantFrom('file:///etc/passwd', 'http://127.0.0.1:1/x', 'expect://id') })
  .chain(({ name, value, sys }) =>
    fc.constantFrom(
      `<!DOCTYPE xml [<!ENTITY ${name} "${value.replaceAll('"', '')}">]><xml><a>&${name};</a></xml>`,
      `<?xml version="1.0"?><!DOCTYPE xml SYSTEM "${sys}"><xml><a>1</a></xml>`,
      `<!DOCTYPE xml [<!ENTITY ${name} SYSTEM "${sys}">]><xml><a>&${name};</a></xml>`,
      `<!DOCTYPE xml [<!ENTITY % ${name} SYSTEM "${sys}"> %${name};]><xml/>`,
      `<xml><a>1</a><!DOCTYPE x></xml>`,
      `<xml><!ELEMENT a ANY><a>1</a></xml>`,
      `<xml><a>&${name};</a></xml>`,
    ),
  );

export function billionLaughs(levels: number, fanout: number): string {
  let decl = '<!ENTITY lol0 "lol">';
  for (let i = 1; i < levels; i++) decl += `<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(fanout)}">`;
  return `<?xml version="1.0"?><!DOCTYPE xml [${decl}]><xml><a>&lol${levels - 1};</a></xml>`;
}

export function deepNesting(depth: number, tag = 'a'): string {
  return `<xml>${`<${tag}>`.repeat(depth)}x${`</${tag}>`.repeat(depth)}</xml>`;
}

export const element = fc
  .record({
    name: anyName,
    attrs: fc.array(fc.tuple(fieldName, nastyText), { maxLength: 2 }),
    body: fc.oneof(
      nastyText,
      nastyText.map((t) => `<![CDATA[${t}]]>`),
      fc.integer().map(String),
      fc.double().map(String),
      fc.constantFrom('0100', '1e3', '0x10', '-0', 'NaN', 'Infinity', ' 100 ', '100.00', 'true', 'null', '[]', '{}'),
    ),
    close: fc.constantFrom('normal', 'self', 'missing', 'mismatched'),
  })
  .map(({ name, attrs, body, close }) => {
    const a = attrs.map(([k, v]) => ` ${k}="${v.replaceAll('"', '&quot;')}"`).join('');
    if (close === 'self') return `<${name}${a}/>`;
    if (close === 'missing') return `<${name}${a}>${body}`;
    if (close === 'mismatched') return `<${name}${a}>${body}</${name}x>`;
    return `<${name}${a}>${body}</${name}>`;
  });

export const document = fc
  .record({
    decl: fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>\n', '\uFEFF', '<!-- c -->'),
    root: fc.constantFrom('xml', 'xml', 'xml', 'root', 'XML', 'xml:x', 'a'),
    rootAttrs: fc.constantFrom('', ' a="1"', ' xmlns="urn:x"', " __proto__='x'"),
    fields: fc.array(element, { maxLength: 8 }),
    trailer: fc.constantFrom('', '\n', '<xml/>', 'junk', '<!-- end -->', '<?pi x?>', ']]>'),
  })
  .map(({ decl, root, rootAttrs, fields, trailer }) => `${decl}<${root}${rootAttrs}>${fields.join('\n')}</${root}>${trailer}`);

export const hostileDocument = fc.oneof(
  { weight: 4, arbitrary: document },
  { weight: 2, arbitrary: doctype },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 })).map(([l, f]) => billionLaughs(l, f)) },
  { weight: 1, arbitrary: fc.integer({ min: 3, max: 2000 }).map((d) => deepNesting(d)) },
  { weight: 1, arbitrary: fc.tuple(fieldName, fc.array(text, { minLength: 2, maxLength: 4 })).map(([n, vs]) => `<xml>${vs.map((v) => `<${n}><![CDATA[${v}]]></${n}>`).join('')}</xml>`) },
);

