// Options of the portable validator, checked the way the native binding
// checks them (same defaults, same limits, same messages).
import type { ValidateOptions } from "../contracts.js";
import { CURRENT, HISTORY } from "../generated/validator.js";
import { Ctx, type Registry } from "./runtime.js";

/** `ValidateOptions` with every default filled in. */
export interface ResolvedOptions {
  readonly producer: boolean;
  readonly targetVersion: string | undefined;
  readonly maxIssues: number;
  readonly maxDepth: number;
  readonly maxBytes: number;
  /** The collector of the fast path under these options (it collects nothing, so it is reused). */
  readonly fast: Ctx;
}

function resolved(producer: boolean, targetVersion: string | undefined, maxIssues: number, maxDepth: number, maxBytes: number): ResolvedOptions {
  return Object.freeze({ producer, targetVersion, maxIssues, maxDepth, maxBytes, fast: new Ctx(producer, maxDepth, 1) });
}

/** The deepest nesting JSON text may have (contracts-core `MAX_NESTING`): the bound of `maxDepth`. */
const MAX_NESTING = 128;

/** The core's defaults (contracts-core `ValidateOptions::default`). */
export const DEFAULTS: ResolvedOptions = resolved(true, undefined, 100, MAX_NESTING, 16 * 1024 * 1024);

/** The defaults in consumer mode: `{mode: "consumer"}` is the common case on receipt. */
const CONSUMER_DEFAULTS: ResolvedOptions = resolved(false, undefined, DEFAULTS.maxIssues, DEFAULTS.maxDepth, DEFAULTS.maxBytes);

/**
 * `value` for the limit `name` when given, checked as contracts-core
 * `ValidateOptions::set_limit` checks it (at least 1; `maxDepth` at most
 * `MAX_NESTING`), with its messages word for word
 * (testdata/options/limits.json holds both builds and Python to them).
 */
function limit(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    throw new TypeError(`${name} must be a whole number, got ${String(value)}`);
  }
  if (value < 1) throw new RangeError(`${name} must be at least 1, got ${value}: leave it unset for the default (${fallback})`);
  if (value > max) {
    throw new RangeError(
      `${name} must be at most ${max}, got ${value}: JSON text nests at most ${MAX_NESTING} levels (deeper input is too_deep whatever the limit); leave it unset for the default (${fallback})`,
    );
  }
  return value;
}

/** Fills in the defaults; throws a `TypeError`/`RangeError` naming the bad option. */
export function resolveOptions(options: ValidateOptions | undefined): ResolvedOptions {
  if (options === undefined) return DEFAULTS;
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object like {mode: "consumer"}, got ${String(options)}`);
  }
  const mode: unknown = options.mode;
  if (mode !== undefined && mode !== "producer" && mode !== "consumer") {
    throw new TypeError(`unknown mode ${JSON.stringify(mode)}: use "producer" or "consumer"`);
  }
  const target: unknown = options.targetVersion;
  if (target !== undefined && typeof target !== "string") {
    throw new TypeError(`targetVersion must be a version string like "0.1.0", got ${String(target)}`);
  }
  const maxIssues = limit("maxIssues", options.maxIssues, DEFAULTS.maxIssues, Infinity);
  const maxDepth = limit("maxDepth", options.maxDepth, DEFAULTS.maxDepth, MAX_NESTING);
  const maxBytes = limit("maxBytes", options.maxBytes, DEFAULTS.maxBytes, Infinity);
  const producer = mode !== "consumer";
  if (target === undefined && maxIssues === DEFAULTS.maxIssues && maxDepth === DEFAULTS.maxDepth && maxBytes === DEFAULTS.maxBytes) {
    return producer ? DEFAULTS : CONSUMER_DEFAULTS;
  }
  return resolved(producer, target, maxIssues, maxDepth, maxBytes);
}

/** Every version this build validates against: the current one first, then the history, newest first. */
export function knownVersions(): string[] {
  return [CURRENT.version, ...HISTORY.map((r) => r.version).reverse()];
}

/** The registry to validate against: the current one, or in producer mode the targeted version's. */
export function registryFor(options: ResolvedOptions): Registry | undefined {
  const target = options.targetVersion;
  if (!options.producer || target === undefined || target === CURRENT.version) return CURRENT;
  return HISTORY.find((r) => r.version === target);
}
