import { startHello } from './lib/server.ts';
import { buyerRefund } from './buyer-refund.ts';
const hello = await startHello();
try {
  const r = await buyerRefund.run({ hello, nodeArgs: process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/benchprof'] : [], log: (m) => console.log(m) });
  console.log(JSON.stringify(r, null, 2));
} finally { await hello.stop(); }
