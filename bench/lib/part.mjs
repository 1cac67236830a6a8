// Runs one benchmark part in its own process: config in argv[2] (JSON), result back over IPC (or stdout).
export function runPart(main) {
  const config = process.argv[2] ? JSON.parse(process.argv[2]) : {};
  main(config).then(
    (result) => {
      if (process.send) process.send({ result }, () => process.exit(0));
      else {
        console.log(JSON.stringify(result, null, 2));
        process.exit(0);
      }
    },
    (error) => {
      console.error(error);
      if (process.send) process.send({ error: String(error?.stack ?? error) }, () => process.exit(1));
      else process.exit(1);
    },
  );
}

/** Median of a list of numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs `rounds` rounds of every contender, rotating the order each round so no contender always runs right
 * after the same neighbour; returns each contender's times by `key`, in round order.
 */
export async function interleavedRounds(contenders, rounds, runOnce) {
  const times = Object.fromEntries(contenders.map((c) => [c.key, []]));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length];
      times[c.key].push(await runOnce(c));
    }
  }
  return times;
}

/** Forces a full GC when node runs with --expose-gc. */
export function gc() {
  globalThis.gc?.();
  globalThis.gc?.();
}

/** `--key=value` and `--flag` arguments as a Map (a flag's value is `true`). */
export function parseArgs(argv) {
  return new Map(
    argv.map((arg) => {
      const [key, value] = arg.replace(/^--/, '').split('=');
      return [key, value ?? true];
    }),
  );
}
