import { InvalidArgumentError } from 'commander';

/**
 * A commander option parser for integers in `[min, max]`.
 *
 * @param min The smallest value allowed.
 * @param max The largest value allowed. @default Number.MAX_SAFE_INTEGER
 * @returns The parser; it throws commander's `InvalidArgumentError` (one line, exit code 2) on a bad value.
 */
export function integerIn(min: number, max = Number.MAX_SAFE_INTEGER): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `must be an integer ≥ ${min}.`
          : `must be an integer between ${min} and ${max}.`,
      );
    }
    return n;
  };
}

/**
 * A commander option parser for a fraction in `[0, 1]`.
 *
 * @param value The text given on the command line.
 * @returns The number.
 */
export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('must be a number between 0 and 1.');
  }
  return n;
}
