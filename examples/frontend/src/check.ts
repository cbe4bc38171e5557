// Self-check mode (`?check=vectors`): run the shared test vectors
// (testdata/vectors, bundled as vectors.json by the test build) through the
// portable validator in this browser and publish every verdict on
// `window.__verdicts` for the test to compare. `?check=bench` times it.
import { CONTRACTS_VERSION } from "@coach-app/coach-app-baml-client";
import { envelopeIssues, validateEnvelope, type ValidateOptions } from "@coach-app/coach-app-baml-client/validate";

/** One vector as the test build bundles it. */
interface Vector {
  file: string;
  mode: "producer" | "consumer";
  target_version?: string;
  text: string;
}

type Verdict = [path: string, code: string][];

declare global {
  interface Window {
    __verdicts?: Record<string, { text: Verdict; object?: Verdict }>;
    __bench?: Record<string, number>;
    __checkError?: string;
  }
}

const keys = (issues: { path: string; code: string }[]): Verdict => issues.map((i) => [i.path, i.code]);

function options(v: Vector): ValidateOptions {
  return v.target_version === undefined ? { mode: v.mode } : { mode: v.mode, targetVersion: v.target_version };
}

function parsed(text: string): object | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}

function runAll(vectors: Vector[]): Record<string, { text: Verdict; object?: Verdict }> {
  const verdicts: Record<string, { text: Verdict; object?: Verdict }> = {};
  for (const v of vectors) {
    const object = parsed(v.text);
    verdicts[v.file] = {
      text: keys(envelopeIssues(v.text, options(v))),
      ...(object === undefined ? {} : { object: keys(envelopeIssues(object, options(v))) }),
    };
  }
  return verdicts;
}

function summary(text: string): void {
  const section = document.getElementById("check");
  if (section) section.hidden = false;
  const p = document.getElementById("check-summary");
  if (p) p.textContent = text;
}

export async function selfCheck(mode: string): Promise<void> {
  try {
    const vectors = (await (await fetch("./vectors.json")).json()) as Vector[];
    if (mode === "vectors") {
      const started = performance.now();
      window.__verdicts = runAll(vectors);
      summary(`${vectors.length} vectors checked in ${(performance.now() - started).toFixed(1)} ms (contracts ${CONTRACTS_VERSION})`);
      return;
    }
    // Benchmark: the corpus repeatedly, then the large envelope for a second each way.
    const passes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      runAll(vectors);
      passes.push(performance.now() - t0);
    }
    passes.sort((a, b) => a - b);
    const large = (await (await fetch("./bench.json")).json()) as { large_valid: string };
    const rate = (fn: () => unknown): number => {
      for (let i = 0; i < 2000; i++) fn();
      let n = 0;
      const t0 = performance.now();
      while (performance.now() - t0 < 1000) {
        for (let i = 0; i < 200; i++) fn();
        n += 200;
      }
      return n / ((performance.now() - t0) / 1000);
    };
    const text = large.large_valid;
    const object = JSON.parse(text) as object;
    window.__bench = {
      vectors: vectors.length,
      corpus_ms_median: passes[Math.floor(passes.length / 2)] ?? Number.NaN,
      large_bytes: new TextEncoder().encode(text).length,
      large_string_per_s: rate(() => validateEnvelope(text)),
      large_object_per_s: rate(() => validateEnvelope(object)),
    };
    summary(JSON.stringify(window.__bench));
  } catch (error) {
    window.__checkError = String(error);
    summary(`self-check failed: ${String(error)}`);
  }
}
