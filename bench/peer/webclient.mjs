// Bolt-JS's WebClient (@slack/web-api) as the peer of the Slack kick-off
// benchmark: each learner's start is one chat.postMessage to their user id,
// sent at its arrival; the client queues, honours Retry-After and retries as
// it does by default. Prints the figures beside the least the limits allow.
import { WebClient, LogLevel } from '@slack/web-api';

const base = process.argv[2];
const { arrivals_ms: arrivals, least_ms: least } = await (await fetch(`${base}/arrivals`)).json();
const client = new WebClient('xoxb-peer', { slackApiUrl: `${base}/api/`, logLevel: LogLevel.ERROR });
const t0 = Date.now();
const waits = [];
let failures = 0;
await Promise.all(arrivals.map((at, i) => new Promise((done) => setTimeout(async () => {
  try {
    await client.chat.postMessage({ channel: `U${String(i).padStart(4, '0')}`, text: 'the first card' });
    waits.push(Date.now() - (t0 + at));
  } catch (e) {
    failures++;
  }
  done();
}, at))));
const { calls, refused } = await (await fetch(`${base}/stats`)).json();
waits.sort((a, b) => a - b);
const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const max = waits[waits.length - 1];
console.log(`peer: Bolt-JS WebClient (@slack/web-api), ${arrivals.length} starts, 1 post each`);
console.log(`ttfc-p50 ${s(waits[Math.floor(waits.length / 2)])}  ttfc-max ${s(max)}  min ${s(least)}  vs-min ${(max / least).toFixed(2)}`);
console.log(`calls ${calls}  429s ${refused} (${(100 * refused / Math.max(1, calls)).toFixed(1)}% of calls)  failures ${failures}`);
