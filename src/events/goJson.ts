/**
 * `JSON.stringify` with the HTML escaping of Go's `encoding/json` (`<`, `>`, `&`, U+2028 and U+2029 as `\u00XX`),
 * so that a line is as long as the apiserver's for the same event. Fields keep the order they are given in.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`,
  );
}
