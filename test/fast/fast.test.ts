// Amount parsing on bytes (engine/fast/amount.ts): parseFen accepts and rejects exactly what
// parseAmount does, and gives the same fen.
import { Decimal, parseAmount, YibaoError } from '../../engine';
import { parseFen, fenText } from '../../engine/fast/amount';
import { mulberry32 } from '../oracle/gen-ledger';

const fenOf = (x: Decimal) => Number(x.times(100).toFixed(0));

describe('amount parsing: parseFen accepts and rejects exactly what parseAmount does', () => {
  const probe = (s: string) => {
    let want: number;
    try {
      want = fenOf(parseAmount(s, 'x'));
    } catch (e) {
      if (!(e instanceof YibaoError)) throw e;
      want = -1;
    }
    const got = parseFen(s);
    if (got !== want && !(got === -1 && /[^\x00-\x7f]/.test(s))) throw new Error(`"${s}": fast ${got}, parseAmount ${want}`);
    if (got >= 0) expect(fenText(got)).toBe(parseAmount(s, 'x').toFixed(2));
  };
  test('hand-picked', () => {
    for (const s of ['0', '0.', '.5', '.', '', ' ', '00012.345', '12.344999', '12.345', '12.3449', '99999999.995', '99999999.994', '100000000', '100000000.00', '100000000.000001', '100000000.004', '100000001', '1e5', '-1', '+1', '1,000', '1 000', '12.3.4', ' 7.1 ', '\t8\n', '0000000000000000000000000000001.005', '1.0000000000000000000000000000000000000000000000005', '999999999', '0.005', '0.004999999999999999999999', '\u00a05', '５']) probe(s);
  });
  test('random strings over digits, points, spaces and signs', () => {
    const rnd = mulberry32(7);
    const alphabet = '0123456789012345678901234567890123456789....  -+e,';
    for (let k = 0; k < 100_000; k++) {
      const n = 1 + Math.floor(rnd() * 14);
      let s = '';
      for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
      probe(s);
    }
  });
});
