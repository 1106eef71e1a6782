// Property tests (issue 6, hostile input): v2 signatures hold against any single tampering, and the
// mini-program's yuan ↔ fen conversion is exact for every amount and refuses everything that is not one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sign, stringToSign, verifySign, type SignType } from '../../server/wechatpay/sign.ts';

// The mini-program's own converter. It is CommonJS-flavoured TypeScript (miniprogram/package.json says
// "commonjs") that the root tsconfig leaves to test/miniprogram's: imported through a specifier tsc does not
// follow, and typed here by hand, so the server type check is not asked to compile mini-program code.
const MONEY_MODULE = '../../miniprogram/utils/money.ts';
const { fenToYuan, formatFen, yuanToFen } = (await import(/* @vite-ignore */ MONEY_MODULE)) as {
  yuanToFen(input: string): number | null;
  fenToYuan(fen: number): string;
  formatFen(fen: number): string;
};

const signType = fc.constantFrom<SignType>('MD5', 'HMAC-SHA256');
const apiKey = fc.stringMatching(/^[A-Za-z0-9]{32}$/);
const paramName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/).filter((k) => k !== 'sign' && k !== 'sign_type' && k !== '__proto__');
const value = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.nat().map(String),
  fc.constantFrom('SUCCESS', 'FAIL', '0100', ' ', ' x ', '中文', '&', '=', 'a&b=c'),
);
const nonEmpty = value.filter((v) => v !== '');
/** WeChat-like parameters: some names, string values, at least one of them non-empty. */
const params = fc
  .dictionary(paramName, value, { minKeys: 1, maxKeys: 12 })
  .filter((p) => Object.values(p).some((v) => v !== ''));

interface Signed {
  fields: Record<string, string>;
  key: string;
  type: SignType;
  declared: boolean;
}

/** A message as WeChat sends it: the fields, maybe sign_type, and the sign over them. */
const signedMessage = fc.record({ p: params, key: apiKey, type: signType, declared: fc.boolean() }).map(({ p, key, type, declared }): Signed => {
  const fields: Record<string, string> = { ...p };
  if (declared) fields.sign_type = type;
  fields.sign = sign(fields, key, type);
  return { fields, key, type, declared };
});

/** Verifies with the fallback the receiver would use: the type it asked with. */
const verify = (m: Signed, fields = m.fields) => verifySign(fields, m.key, m.type);

const RUNS = { numRuns: 500 } as const;

describe('verifySign accepts what sign() produced', () => {
  it('for random parameters, either sign type, with or without sign_type in the message', () => {
    fc.assert(
      fc.property(signedMessage, (m) => {
        expect(verify(m)).toBe(true);
        // the sign is hex: lowercase hex from a sloppy sender is the same signature
        expect(verify(m, { ...m.fields, sign: m.fields.sign.toLowerCase() })).toBe(true);
        expect(m.fields.sign).toMatch(m.type === 'MD5' ? /^[0-9A-F]{32}$/ : /^[0-9A-F]{64}$/);
      }),
      RUNS,
    );
  });

  it('empty-valued fields are not signed, so adding or dropping an empty one changes nothing (WeChat’s rule)', () => {
    fc.assert(
      fc.property(signedMessage, paramName, (m, extra) => {
        fc.pre(!(extra in m.fields));
        expect(verify(m, { ...m.fields, [extra]: '' })).toBe(true);
      }),
      RUNS,
    );
  });
});

describe('verifySign rejects any single tampering', () => {
  it('a changed value', () => {
    fc.assert(
      fc.property(signedMessage, fc.nat(), value, (m, pick, replacement) => {
        const names = Object.keys(m.fields).filter((k) => k !== 'sign' && k !== 'sign_type' && m.fields[k] !== '');
        const k = names[pick % names.length];
        fc.pre(replacement !== m.fields[k]);
        expect(verify(m, { ...m.fields, [k]: replacement })).toBe(false);
      }),
      RUNS,
    );
  });

  it('a value that differs only in case, whitespace or a trailing zero', () => {
    fc.assert(
      fc.property(signedMessage, fc.nat(), fc.constantFrom('upper', 'space', 'zero', 'trim'), (m, pick, how) => {
        const names = Object.keys(m.fields).filter((k) => k !== 'sign' && k !== 'sign_type' && m.fields[k] !== '');
        const k = names[pick % names.length];
        const v = m.fields[k];
        const changed = how === 'upper' ? v.toUpperCase() : how === 'space' ? `${v} ` : how === 'zero' ? `${v}0` : v.trim();
        fc.pre(changed !== v);
        expect(verify(m, { ...m.fields, [k]: changed })).toBe(false);
      }),
      RUNS,
    );
  });

  it('an added non-empty field', () => {
    fc.assert(
      fc.property(signedMessage, paramName, nonEmpty, (m, extra, v) => {
        fc.pre(!(extra in m.fields));
        expect(verify(m, { ...m.fields, [extra]: v })).toBe(false);
      }),
      RUNS,
    );
  });

  it('a removed non-empty field (sign_type included)', () => {
    fc.assert(
      fc.property(signedMessage, fc.nat(), (m, pick) => {
        const names = Object.keys(m.fields).filter((k) => k !== 'sign' && m.fields[k] !== '');
        const k = names[pick % names.length];
        const { [k]: _dropped, ...rest } = m.fields;
        // dropping a declared sign_type equal to the receiver's fallback only removes a signed field: still refused
        expect(verify(m, rest)).toBe(false);
      }),
      RUNS,
    );
  });

  it('a renamed field', () => {
    // values without '&' / '=' so that no renaming can shift a boundary of `k=v&…` (the v2 scheme's own ambiguity)
    const plain = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }).filter((v) => !/[&=]/.test(v));
    const msg = fc
      .record({ p: fc.dictionary(paramName, plain, { minKeys: 1, maxKeys: 8 }), key: apiKey, type: signType })
      .map(({ p, key, type }): Signed => ({ fields: { ...p, sign: sign(p, key, type) }, key, type, declared: false }));
    fc.assert(
      fc.property(msg, fc.nat(), paramName, (m, pick, to) => {
        const names = Object.keys(m.fields).filter((k) => k !== 'sign');
        const from = names[pick % names.length];
        fc.pre(!(to in m.fields));
        const { [from]: v, ...rest } = m.fields;
        expect(verify(m, { ...rest, [to]: v })).toBe(false);
      }),
      RUNS,
    );
  });

  it('another sign_type, declared or assumed', () => {
    fc.assert(
      fc.property(signedMessage, fc.constantFrom('MD5', 'HMAC-SHA256', 'md5', 'SHA256', 'RSA', 'NONE', ' MD5'), (m, other) => {
        fc.pre(other !== m.type);
        expect(verify(m, { ...m.fields, sign_type: other })).toBe(false);
        // the receiver assuming the other type for an undeclared message does not verify either
        if (!m.declared && (other === 'MD5' || other === 'HMAC-SHA256')) expect(verifySign(m.fields, m.key, other)).toBe(false);
      }),
      RUNS,
    );
  });

  it('a forged sign, a truncated sign, a missing sign, another key', () => {
    fc.assert(
      fc.property(signedMessage, fc.stringMatching(/^[0-9A-F]{32,64}$/), apiKey, (m, forged, otherKey) => {
        fc.pre(forged !== m.fields.sign);
        expect(verify(m, { ...m.fields, sign: forged })).toBe(false);
        expect(verify(m, { ...m.fields, sign: m.fields.sign.slice(0, -1) })).toBe(false);
        expect(verify(m, { ...m.fields, sign: '' })).toBe(false);
        const { sign: _s, ...unsigned } = m.fields;
        expect(verify(m, unsigned)).toBe(false);
        fc.pre(otherKey !== m.key);
        expect(verifySign(m.fields, otherKey, m.type)).toBe(false);
      }),
      RUNS,
    );
  });

  it('the string to sign is sorted, skips sign and empty values, and ends with the key', () => {
    fc.assert(
      fc.property(params, apiKey, (p, key) => {
        const s = stringToSign({ ...p, sign: 'X' }, key);
        expect(s.endsWith(`&key=${key}`)).toBe(true);
        const names = Object.keys(p).filter((k) => p[k] !== '').sort();
        expect(s).toBe(`${names.map((k) => `${k}=${p[k]}`).join('&')}&key=${key}`);
      }),
      { numRuns: 200 },
    );
  });
});

// ---- yuan ↔ fen (miniprogram/utils/money.ts) ---------------------------------------------------------------

/** The reference: decimal text → fen with BigInt, no floating point anywhere. */
function referenceYuanToFen(input: string): bigint | null {
  const m = /^(\d*)(?:\.(\d{0,2}))?$/.exec(input.trim());
  if (!m || (m[1] === '' && (m[2] ?? '') === '')) return null;
  return BigInt(m[1] || '0') * 100n + BigInt(((m[2] ?? '') + '00').slice(0, 2));
}

const MAX_FEN = 99_999_999_999; // nine whole yuan digits, as the mini-program allows

describe('yuan ↔ fen', () => {
  it('fen → yuan → fen is the identity for every amount the mini-program accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_FEN }), (fen) => {
        const yuan = fenToYuan(fen);
        expect(yuan).toMatch(/^\d+\.\d{2}$/);
        expect(yuanToFen(yuan)).toBe(fen);
        expect(formatFen(fen)).toBe(`¥${yuan}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('yuan typed in any accepted form gives the exact fen (checked against BigInt arithmetic)', () => {
    const typed = fc
      .record({
        whole: fc.stringMatching(/^\d{0,9}$/),
        point: fc.boolean(),
        decimals: fc.stringMatching(/^\d{0,2}$/),
        lead: fc.constantFrom('', ' ', '  ', '\t'),
        trail: fc.constantFrom('', ' ', '\n'),
      })
      .map(({ whole, point, decimals, lead, trail }) => `${lead}${whole}${point ? `.${decimals}` : ''}${trail}`);
    fc.assert(
      fc.property(typed, (s) => {
        const ref = referenceYuanToFen(s);
        const got = yuanToFen(s);
        if (ref === null) expect(got).toBeNull();
        else {
          expect(got).not.toBeNull();
          expect(Number.isSafeInteger(got)).toBe(true);
          expect(BigInt(got!)).toBe(ref);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every string that is not a plain non-negative amount with at most two decimals', () => {
    const notAmount = fc.oneof(
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }).filter((s) => referenceYuanToFen(s) === null),
      fc.nat({ max: 10 ** 6 }).map((n) => `-${n}`),
      fc.nat({ max: 10 ** 6 }).map((n) => `+${n}`),
      fc.tuple(fc.nat({ max: 999 }), fc.stringMatching(/^\d{3,6}$/)).map(([w, d]) => `${w}.${d}`), // 3+ decimals
      fc.tuple(fc.nat({ max: 99 }), fc.integer({ min: -5, max: 5 })).map(([m, e]) => `${m}e${e}`),
      fc.nat({ max: 999 }).map((n) => `${n}.${n}.${n}`),
      fc.nat({ max: 9999 }).map((n) => `¥${n}`),
      fc.nat({ max: 9999 }).map((n) => `0x${n.toString(16)}`),
      fc.nat({ max: 999 }).map((n) => `1,${String(n).padStart(3, '0')}`),
      fc.nat({ max: 999 }).map((n) => `1 ${n}`),
      fc.stringMatching(/^[1-9]\d{9,15}(\.\d{0,2})?$/), // more than nine whole digits
      fc.constantFrom('', '.', ' ', 'NaN', 'Infinity', '-0', '１００', '٣', '1_000', '5.0.', '..5'),
    );
    fc.assert(
      fc.property(notAmount, (s) => {
        expect(yuanToFen(s)).toBeNull();
      }),
      { numRuns: 2000 },
    );
  });

  it('on any string at all: null or a safe non-negative integer that formats back to the same amount', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (s) => {
        const got = yuanToFen(s);
        if (got === null) return;
        expect(Number.isSafeInteger(got)).toBe(true);
        expect(got).toBeGreaterThanOrEqual(0);
        expect(got).toBeLessThanOrEqual(MAX_FEN);
        expect(yuanToFen(fenToYuan(got))).toBe(got);
      }),
      { numRuns: 2000 },
    );
  });

  it('fenToYuan refuses what is not an integer', () => {
    fc.assert(
      fc.property(fc.double().filter((d) => !Number.isSafeInteger(d)), (d) => {
        expect(() => fenToYuan(d)).toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
