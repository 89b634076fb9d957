// lib/demo.mjs - a loupe filled with the deterministic demo data of
// demo/generate.mjs (OTLP traces + logs from the OTel JS SDK, vLLM and DCGM
// metrics by remote-write).  Small by default: the suite runs on the ASan
// build too.
import { generate } from '../../../demo/generate.mjs';
import { startLoupe } from './ui.mjs';

export const DEMO_SEED = 7;

/* Starts a loupe and fills it; resolves with { loupe, demo } where demo is
 * generate()'s summary (demo.known: userId, traceId, agentTraceId, ...). */
export async function loupeWithDemo({ days = 1, calls = 1500, ...rest } = {}) {
  const loupe = await startLoupe();
  try {
    const demo = await generate({ httpUrl: loupe.url, days, calls, seed: DEMO_SEED, ...rest });
    return { loupe, demo };
  } catch (e) {
    await loupe.stop();
    loupe.cleanup();
    throw new Error(`demo data: ${e.message}\n${loupe.log}`);
  }
}
