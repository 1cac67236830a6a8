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

/** Forces a full GC when node runs with --expose-gc. */
export function gc() {
  globalThis.gc?.();
  globalThis.gc?.();
}
