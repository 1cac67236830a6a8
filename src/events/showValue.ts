// Not public: how decode errors and option checks render an offending value.

/**
 * Renders a value for an error message: strings quoted and shortened (event bodies never appear),
 * objects and arrays by kind only.
 */
export function showValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
    case 'object':
      return 'object';
    case 'function':
      return 'function';
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return 'symbol';
    default:
      return String(value);
  }
}
