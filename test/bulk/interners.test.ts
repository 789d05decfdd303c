// The byte-string interners behind claim ids and person-years (engine/ledger/interners.ts): each string
// and tag gets one dense number, the same each time it comes back, whatever the size hint it was made
// with (its table then grows) and whatever the strings' hashes. The cache of names as typed gives
// back what was put for exactly those bytes and that tag (engine/ledger/columns.ts ByteCache).
import { ByteCache } from '../../engine/ledger/columns';
import { ByteInterner, TaggedInterner } from '../../engine/ledger/interners';

const enc = new TextEncoder();

/** The interner's numbers for these keys, checked against a Map's (one expect: a few per key would take seconds). */
function internAll(t: ByteInterner | TaggedInterner, keys: [string, number][]): void {
  const want = new Map<string, number>();
  const wrong: string[] = [];
  for (const [text, tag] of keys) {
    const b = enc.encode(`#${text}#`);
    const k = t instanceof TaggedInterner ? t.intern(b, 1, b.length - 1, tag) : t.intern(b, 1, b.length - 1);
    const key = `${tag}\u0000${text}`;
    const known = want.get(key);
    if (known === undefined) want.set(key, want.size);
    const expected = known ?? want.size - 1;
    if (k !== expected || (t instanceof ByteInterner && t.lastWasNew !== (known === undefined))) wrong.push(`${text}/${tag}: ${k}, want ${expected}`);
  }
  // the strings (and tags) kept, as read back for the output
  const dec = new TextDecoder();
  for (const [key, k] of want) {
    const [tag, text] = key.split('\u0000');
    let kept: string;
    if (t instanceof TaggedInterner) {
      kept = t.text(k, dec);
      if (t.tagOf(k) !== Number(tag)) wrong.push(`${k} tag ${t.tagOf(k)}, want ${tag}`);
    } else {
      const off = t.off.get(k);
      kept = dec.decode(t.arena.block(off).subarray(t.arena.at(off), t.arena.at(off) + t.len.get(k)));
    }
    if (kept !== text) wrong.push(`${k} kept ${kept}, want ${text}`);
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(t.size).toBe(want.size);
}

describe('ByteInterner and TaggedInterner', () => {
  // a small generator of repeatable keys: ids that repeat now and then, person ids in several years
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

  test.each([0, 100, 50_000])('50,000 ids, a tenth of them repeated, hint %i (the table grows as needed)', (hint) => {
    const keys: [string, number][] = [];
    for (let i = 0; i < 50_000; i++) keys.push([rnd() < 0.1 && i > 0 ? keys[Math.floor(rnd() * i)][0] : `L${String(Math.floor(rnd() * 1e9)).padStart(9, '0')}`, 0]);
    internAll(new ByteInterner(hint), keys);
    internAll(new TaggedInterner(hint), keys);
  });

  test('one person in several cities and years: a number per tag', () => {
    const keys: [string, number][] = [];
    for (let i = 0; i < 20_000; i++) keys.push([`P${Math.floor(rnd() * 3000)}`, Math.floor(rnd() * 3) * 10000 + 2022 + Math.floor(rnd() * 3)]);
    const t = new TaggedInterner(1000);
    internAll(t, keys);
    expect(t.size).toBeGreaterThan(8000);
  });

  test('empty strings, long strings and strings alike but for their last byte', () => {
    const keys: [string, number][] = [['', 0], ['x'.repeat(4096), 0], ['', 0]];
    for (let i = 0; i < 3000; i++) keys.push([`same-prefix-${String.fromCharCode(33 + (i % 90))}${i % 7}`, 0]);
    internAll(new ByteInterner(10), keys);
    internAll(new TaggedInterner(10), keys);
  });
});

describe('ByteCache', () => {
  test('keys of 0 to 20 bytes alike but for one byte, under several tags: each its own value', () => {
    const cache = new ByteCache<string>();
    const keys: string[] = [];
    for (let len = 0; len <= 20; len++) {
      const base = 'abcdefghijklmnopqrst'.slice(0, len);
      keys.push(base);
      // the same length, one byte changed at each place (each side of the 6- and 12-byte boundaries)
      for (let i = 0; i < len; i++) keys.push(base.slice(0, i) + String.fromCharCode(base.charCodeAt(i) + 1) + base.slice(i + 1));
    }
    const want = new Map<string, string>();
    const wrong: string[] = [];
    for (const pass of [0, 1]) {
      for (const key of keys) {
        for (const tag of [0, 1, 70000]) {
          const b = enc.encode(`,${key},`);
          const got = cache.get(b, 1, b.length - 1, tag);
          const id = `${tag}:${key}`;
          if (got === undefined) {
            if (pass === 1 || want.has(id)) wrong.push(`${id} missing`);
            cache.put(b, 1, b.length - 1, tag, id);
            want.set(id, id);
          } else if (got !== id) wrong.push(`${id} gave ${got}`);
        }
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(want.size).toBe(new Set(keys).size * 3);
  });

  test('15,000 keys of one length sharing their first six bytes (probes compare keys alike but for the rest)', () => {
    const cache = new ByteCache<number>();
    const wrong: string[] = [];
    for (const pass of [0, 1]) {
      for (let i = 0; i < 15_000; i++) {
        const b = enc.encode(`2024-0${String(i).padStart(6, '0')}`);
        const got = cache.get(b, 0, b.length, 0);
        if (pass === 0 && got === undefined) cache.put(b, 0, b.length, 0, i);
        else if (got !== i) wrong.push(`${i} gave ${got}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
